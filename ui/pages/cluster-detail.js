// One cluster: its facts, its members (cloud, VM, states, IPs, tracker status), and what can be
// done to it — scale, start / stop / reboot / repair, remove a member, delete — each shown as an
// operation with its progress. After a delete the API answers 404 and the page says it is gone.
import { html, useRef } from '../lib/html.js';
import { path } from '../lib/api-client.js';
import { usePoll } from '../lib/use-poll.js';
import { Badge, ErrorLine, Loading, PageTitle, TableWrap } from '../lib/components.js';
import { formatRelative, ips } from '../lib/format.js';
import { CLUSTER_ACTIONS, cloudSpread, confirmText, isClusterBusy, scaleBody } from '../lib/cluster-form.js';
import { href } from '../lib/route.js';
import { MessageLine, OperationProgress, useOperationActions } from './vm-actions.js';

export function ClusterDetail({ api, id }) {
  const self = path`/clusters/${id}`;
  const deleting = useRef(false);
  const last = useRef(null);
  const load = async () => {
    // While deleting, the cluster is looked for in the list: its end is an absence, not a 404.
    if (!deleting.current) return (last.current = await api.get(self));
    const found = (await api.get('/clusters?limit=500')).items.find((x) => x.id === id);
    return found ? (last.current = { ...last.current, ...found }) : { gone: true };
  };
  const cluster = usePoll(load, 2000, [id]);
  const { tracked, message, setMessage, act } = useOperationActions(() => cluster.refresh());
  if (cluster.data?.status === 'deleting') deleting.current = true;
  const gone = cluster.error?.status === 404 || cluster.data?.gone;
  const c = gone ? null : cluster.data;
  const back = html`<p><a href=${href('clusters')}>All clusters</a></p>`;
  const progress = html`<${MessageLine} message=${message} /><${OperationProgress} api=${api} tracked=${tracked} onFinished=${() => cluster.refresh()} />`;
  if (gone) {
    return html`<${PageTitle}>Cluster<//>${back}${progress}
      <p role="status">This cluster does not exist (any more): it was deleted, or it is not yours.</p>`;
  }
  if (!c) return html`<${PageTitle}>Cluster<//>${back}<${ErrorLine} error=${cluster.error} /><${Loading} what="the cluster" />`;

  const busy = isClusterBusy(c.status);
  const run = (action) => {
    const question = confirmText(action, c.name);
    if (question && !confirm(question)) return;
    act(`${action} ${c.name}`, () => api.post(`${self}/actions`, { action }));
  };
  const scale = (event) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const checked = scaleBody(form.get('size'), form.get('force') === 'on');
    if (checked.error) return setMessage({ ok: false, text: checked.error });
    act(`scale ${c.name} to ${checked.body.size}`, () => api.patch(self, checked.body));
  };
  const remove = () => {
    if (!confirm(confirmText('delete', c.name))) return;
    deleting.current = true;
    act(`delete ${c.name}`, () =>
      api.del(self).catch((err) => {
        deleting.current = false; // refused (busy, not found): the cluster is still read by id
        throw err;
      }),
    );
  };

  return html`
    <${PageTitle} live>Cluster ${c.name}<//>
    ${back}
    ${progress}
    <${ErrorLine} error=${cluster.error} />
    <dl class="facts card">
      <dt>Status</dt><dd><${Badge} state=${c.status} />${busy ? html`<span class="muted small">an operation is running</span>` : null}</dd>
      <dt>Size</dt><dd>${c.actualSize} active of ${c.desiredSize} desired</dd>
      <dt>Per cloud</dt><dd>${cloudSpread(c.clouds)}</dd>
      <dt>Template</dt><dd>${c.template?.image} · ${c.template?.size}</dd>
      <dt>Placement</dt><dd>${c.placement?.strategy ?? 'spread'}</dd>
      <dt>Created</dt><dd>${formatRelative(c.createdAt)}</dd>
      <dt>Id</dt><dd><code>${c.id}</code></dd>
    </dl>
    <div class="toolbar">
      <form class="filters" onSubmit=${scale} aria-label=${`Scale ${c.name}`}>
        <label>New size <input name="size" type="number" min="0" max="1000" required value=${c.desiredSize} class="short" /></label>
        <label class="choice"><input type="checkbox" name="force" /> also remove assigned members</label>
        <button type="submit" class="secondary" disabled=${busy}>Scale</button>
      </form>
      <div class="filters" role="group" aria-label=${`Actions on ${c.name}`}>
        ${CLUSTER_ACTIONS.map(
          (a) => html`<button type="button" class="secondary" disabled=${busy} aria-label=${`${a[0].toUpperCase()}${a.slice(1)} ${c.name}`} onClick=${() => run(a)}>${a[0].toUpperCase()}${a.slice(1)}</button>`,
        )}
        <button type="button" class="danger" disabled=${c.status === 'deleting'} aria-label=${`Delete ${c.name}`} onClick=${remove}>Delete</button>
      </div>
    </div>
    <h2 id="members-title">Members (${c.members.length})</h2>
    <${TableWrap} label=${`Members of ${c.name}`}>
      <table aria-labelledby="members-title">
        <thead>
          <tr>
            <th scope="col">Name / VM id</th>
            <th scope="col">Cloud</th>
            <th scope="col">Member</th>
            <th scope="col">VM state</th>
            <th scope="col">IPs</th>
            <th scope="col">Tracker</th>
            <th scope="col">Actions</th>
          </tr>
        </thead>
        <tbody>
          ${c.members.length === 0 ? html`<tr><td colspan="7" class="muted">No member.</td></tr>` : null}
          ${c.members.map(
            (m) => html`<tr key=${m.name} class="member">
              <th scope="row"><span class="name">${m.name}</span><br /><code class="muted small">${m.vmId ?? '—'}</code></th>
              <td>${m.cloud}</td>
              <td><${Badge} state=${m.state} /></td>
              <td>${m.vmState ? html`<${Badge} state=${m.vmState} />` : html`<span class="muted">—</span>`}</td>
              <td>${ips(m)}</td>
              <td>${m.trackerStatus ? html`<${Badge} state=${m.trackerStatus} />` : html`<span class="muted">—</span>`}</td>
              <td class="actions">
                <button type="button" class="danger" disabled=${busy || m.state !== 'active'} aria-label=${`Remove ${m.name}`}
                  onClick=${() => confirm(`Remove ${m.name}? Its VM is destroyed and the desired size shrinks by one.`) && act(`remove ${m.name}`, () => api.del(path`/clusters/${c.id}/members/${m.vmId ?? m.name}`))}>Remove</button>
              </td>
            </tr>`,
          )}
        </tbody>
      </table>
    <//>
    ${c.failures?.length
      ? html`<h2>Failed members</h2>
          <ul>${c.failures.map((f) => html`<li><strong>${f.name}</strong> on ${f.cloud}: <span class="error">${f.error}</span></li>`)}</ul>`
      : null}
  `;
}
