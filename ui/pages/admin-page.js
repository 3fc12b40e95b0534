// Admin (admin role; the shell hides it from others and the API refuses them anyway): clouds
// (enable, allocation, aliases), drain and reconcile; users and limits, the audit log on tabs.
import { html, useState } from '../lib/html.js';
import { path } from '../lib/api-client.js';
import { usePoll } from '../lib/use-poll.js';
import { ErrorLine, Loading, PageTitle, TableWrap } from '../lib/components.js';
import { problemMessage } from '../lib/format.js';
import { href } from '../lib/route.js';
import { AdminUsers } from './admin-users.js';
import { AdminAudit } from './admin-audit.js';

const TABS = [
  ['clouds', 'Clouds'],
  ['users', 'Users and limits'],
  ['audit', 'Audit log'],
];

export function AdminPage({ api, arg }) {
  const tab = TABS.some(([t]) => t === arg) ? arg : 'clouds';
  const [message, setMessage] = useState(null);
  /** Runs one admin change and says how it went; `then` refreshes what it changed. */
  const change = async (label, work, then) => {
    setMessage(null);
    try {
      await work();
      setMessage({ ok: true, text: `${label}: done` });
    } catch (err) {
      setMessage({ ok: false, text: `${label}: ${problemMessage(err.problem ?? err.message)}` });
    }
    then?.();
  };
  return html`
    <${PageTitle}>Admin<//>
    <nav aria-label="Admin sections" class="tabs">
      ${TABS.map(([t, label]) => html`<a href=${href('admin', t)} aria-current=${t === tab ? 'page' : undefined}>${label}</a>`)}
    </nav>
    ${message ? html`<p class=${message.ok ? 'notice' : 'error'} role=${message.ok ? 'status' : 'alert'}>${message.text}</p>` : null}
    ${tab === 'clouds' ? html`<${AdminClouds} api=${api} change=${change} />` : null}
    ${tab === 'users' ? html`<${AdminUsers} api=${api} change=${change} />` : null}
    ${tab === 'audit' ? html`<${AdminAudit} api=${api} />` : null}
  `;
}

function AdminClouds({ api, change }) {
  const { data, error, refresh } = usePoll(async () => {
    const [clouds, aliases, drain] = await Promise.all([api.get('/admin/clouds'), api.get('/admin/aliases'), api.get('/admin/drain')]);
    return { clouds: clouds.items, aliases: aliases.items, draining: drain.draining };
  }, 5000);
  if (!data) return html`<${ErrorLine} error=${error} /><${Loading} what="clouds" />`;
  const patch = (cloud, body, label) => change(label, () => api.patch(path`/admin/clouds/${cloud}`, body), refresh);
  const saveAllocation = (cloud) => (event) => {
    event.preventDefault();
    const value = new FormData(event.currentTarget).get('allocation').trim();
    patch(cloud, { allocation: value === '' ? 'unlimited' : Number(value) }, `allocation of ${cloud}`);
  };
  const addAlias = (event) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    change(`alias ${form.get('alias')}`, () => api.post(path`/admin/clouds/${form.get('cloud')}/aliases`, { alias: form.get('alias') }), refresh);
  };
  return html`
    <${ErrorLine} error=${error} />
    <section aria-labelledby="instance-title">
      <h2 id="instance-title">This instance</h2>
      <p>
        ${data.draining ? 'Draining: new VM starts are refused.' : 'Accepting new VM starts.'}
        <button type="button" class="secondary" onClick=${() => change(data.draining ? 'undrain' : 'drain', () => api.post(data.draining ? '/admin/undrain' : '/admin/drain'), refresh)}>
          ${data.draining ? 'Stop draining' : 'Drain'}
        </button>
        <button type="button" class="secondary" onClick=${() => change('reconcile pass', () => api.post('/admin/reconcile'), refresh)}>Reconcile now</button>
      </p>
    </section>
    <section aria-labelledby="clouds-title">
      <h2 id="clouds-title">Clouds</h2>
      <${TableWrap} label="Clouds"><table>
        <thead><tr><th scope="col">Cloud</th><th scope="col">Enabled</th><th scope="col">Allocation (used / limit)</th><th scope="col">Overrides</th></tr></thead>
        <tbody>
          ${data.clouds.map(
            (c) => html`<tr>
              <th scope="row">${c.name} <span class="muted small">${c.driver}</span></th>
              <td>
                ${c.enabled ? 'enabled' : 'disabled'}
                <button type="button" class="secondary" aria-label=${`${c.enabled ? 'Disable' : 'Enable'} ${c.name}`}
                  onClick=${() => patch(c.name, { enabled: !c.enabled }, `${c.enabled ? 'disable' : 'enable'} ${c.name}`)}>${c.enabled ? 'Disable' : 'Enable'}</button>
              </td>
              <td>
                <form class="inline" onSubmit=${saveAllocation(c.name)}>
                  ${c.used} /
                  <input name="allocation" type="number" min="0" class="short" value=${c.allocation ?? ''} placeholder="∞" aria-label=${`allocation limit of ${c.name} (empty: unlimited)`} />
                  <button type="submit" class="secondary">Save</button>
                </form>
              </td>
              <td>
                ${Object.keys(c.overrides).length ? Object.keys(c.overrides).join(', ') : html`<span class="muted">none</span>`}
                ${Object.keys(c.overrides).length
                  ? html` <button type="button" class="secondary" onClick=${() => patch(c.name, { enabled: null, allocation: null }, `reset ${c.name}`)}>Back to the file</button>`
                  : null}
              </td>
            </tr>`,
          )}
        </tbody>
      </table><//>
    </section>
    <section aria-labelledby="aliases-title">
      <h2 id="aliases-title">Aliases</h2>
      <ul>
        ${data.aliases.map(
          (a) => html`<li>
            <strong>${a.alias}</strong> → ${a.cloud} <span class="muted">(${a.origin})</span>
            <button type="button" class="secondary" aria-label=${`Remove alias ${a.alias}`} onClick=${() => change(`remove alias ${a.alias}`, () => api.del(path`/admin/aliases/${a.alias}`), refresh)}>Remove</button>
          </li>`,
        )}
      </ul>
      <form class="filters" onSubmit=${addAlias} aria-label="Add an alias">
        <label>Cloud <select name="cloud">${data.clouds.map((c) => html`<option value=${c.name}>${c.name}</option>`)}</select></label>
        <label>Alias <input name="alias" required /></label>
        <button type="submit" class="secondary">Add alias</button>
      </form>
    </section>
  `;
}
