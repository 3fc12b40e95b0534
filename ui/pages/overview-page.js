// Overview: one card per cloud (driver, enabled, allocation, VMs by state, fault rate, load),
// and the background workers' heart-beats; refreshed every few seconds.
import { html } from '../lib/html.js';
import { usePoll } from '../lib/use-poll.js';
import { Badge, ErrorLine, Loading, PageTitle, TableWrap } from '../lib/components.js';
import { allocationText, cloudFaultRate, formatPercent, formatRelative, stateCounts } from '../lib/format.js';
import { href } from '../lib/route.js';
import { query } from '../lib/api-client.js';

const POLL_MS = 3000;
/** The fault rate is over the boots of the last day: recent trouble, not the lifetime average. */
const RECENT_MS = 24 * 3600 * 1000;

export function OverviewPage({ api }) {
  const { data, error } = usePoll(async () => {
    const since = new Date(Date.now() - RECENT_MS).toISOString();
    const [clouds, startup, boot, heartbeats, status] = await Promise.all([
      api.get('/status/clouds'),
      api.get(`/status/vms/startup-times${query({ since })}`),
      api.get(`/status/failures${query({ type: 'boot', since })}`),
      api.get('/status/heartbeats'),
      api.get('/status'),
    ]);
    return { clouds: clouds.items, startup, boot, heartbeats: heartbeats.items, status };
  }, POLL_MS);
  return html`
    <${PageTitle} live>Overview<//>
    <${ErrorLine} error=${error} />
    ${!data
      ? html`<${Loading} what="clouds" />`
      : html`
          ${data.status.draining ? html`<p class="banner warn" role="status">This instance is draining: new VM starts are refused.</p>` : null}
          <ul class="cards" aria-label="Clouds">
            ${data.clouds.map((cloud) => html`<${CloudCard} cloud=${cloud} faultRate=${cloudFaultRate(data.startup, data.boot, cloud.name)} />`)}
          </ul>
          <${Heartbeats} items=${data.heartbeats} />
        `}
  `;
}

function CloudCard({ cloud, faultRate }) {
  const allocation = allocationText(cloud.allocation);
  const vms = stateCounts(cloud.vms?.byState);
  const tracked = cloud.tracked ?? {};
  return html`<li class="card">
    <h2><a href=${href('vms', cloud.name)}>${cloud.name}</a></h2>
    <p class="muted">${cloud.displayName} · ${cloud.driver}${cloud.aliases.length ? ` · aka ${cloud.aliases.join(', ')}` : ''}${cloud.default ? ' · default' : ''}</p>
    <p><${Badge} state=${cloud.enabled ? 'enabled' : 'disabled'} /></p>
    <dl class="facts">
      <dt>Allocation</dt>
      <dd>
        ${allocation.text}
        ${allocation.ratio !== null
          ? html`<meter min="0" max="1" low="0.7" high="0.9" optimum="0" value=${allocation.ratio} aria-label=${`allocation of ${cloud.name} used`}></meter>`
          : null}
      </dd>
      <dt>Tracked</dt>
      <dd>${tracked.free ?? 0} free · ${tracked.assigned ?? 0} assigned${tracked.faulty ? ` · ${tracked.faulty} faulty` : ''}</dd>
      <dt>VMs by state</dt>
      <dd>
        ${cloud.vms
          ? html`${vms.length ? vms.map(([state, n]) => html`<span class="count">${n} <${Badge} state=${state} /></span>`) : 'none'}
              <span class="muted small">listed ${formatRelative(cloud.vms.observedAt)}</span>`
          : html`<span class="muted">not listed yet</span>`}
      </dd>
      <dt title="boots that failed, of all boots that ended, in the last 24 hours">Boot failures (24 h)</dt>
      <dd>${formatPercent(faultRate)}</dd>
      <dt>Calls</dt>
      <dd>${cloud.load?.inFlight ?? 0} in flight · ${cloud.load?.queued ?? 0} queued</dd>
    </dl>
  </li>`;
}

export function Heartbeats({ items }) {
  return html`<section aria-labelledby="hb-title">
    <h2 id="hb-title">Heart-beats</h2>
    <${TableWrap} label="Heart-beats">
      <table>
        <thead><tr><th scope="col">Worker</th><th scope="col">Last beat</th><th scope="col">Rounds</th><th scope="col">State</th><th scope="col">Last error</th></tr></thead>
        <tbody>
          ${items.map(
            (w) => html`<tr>
              <th scope="row">${w.worker}</th>
              <td>${formatRelative(w.lastBeatAt)}</td>
              <td>${w.rounds}</td>
              <td><${Badge} state=${!w.running ? 'stopped' : w.late ? 'late' : 'running'} /></td>
              <td>${w.lastError ?? '—'}</td>
            </tr>`,
          )}
        </tbody>
      </table>
    <//>
  </section>`;
}
