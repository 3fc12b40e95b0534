// Status: VM counts and missing VMs, the startup-time distribution, boot and image failures,
// operations by state, the workers' heart-beats. Everything any signed-in user may read.
import { html } from '../lib/html.js';
import { usePoll } from '../lib/use-poll.js';
import { ErrorLine, Loading, PageTitle, TableWrap } from '../lib/components.js';
import { formatPercent, formatRelative } from '../lib/format.js';
import { Heartbeats } from './overview-page.js';
import { StartupChart } from './startup-chart.js';

export function StatusPage({ api }) {
  const { data, error } = usePoll(async () => {
    const [vms, missing, startup, boot, image, operations, heartbeats] = await Promise.all([
      api.get('/status/vms'),
      api.get('/status/vms/missing'),
      api.get('/status/vms/startup-times'),
      api.get('/status/failures?type=boot'),
      api.get('/status/failures?type=image'),
      api.get('/status/operations'),
      api.get('/status/heartbeats'),
    ]);
    return { vms, missing, startup, boot, image, operations, heartbeats: heartbeats.items };
  }, 5000);
  return html`
    <${PageTitle} live>Status<//>
    <${ErrorLine} error=${error} />
    ${!data
      ? html`<${Loading} what="status" />`
      : html`
          <section aria-labelledby="vms-title">
            <h2 id="vms-title">VMs</h2>
            <p>${data.vms.total} held · ${Object.entries(data.vms.byCloud).map(([c, n]) => `${c}: ${n}`).join(' · ')}</p>
            <p>Operations: ${Object.entries(data.operations).map(([s, n]) => `${n} ${s}`).join(' · ')}</p>
          </section>
          <section aria-labelledby="missing-title">
            <h2 id="missing-title">Missing VMs</h2>
            <p class="muted">Held by the tracker or our records, no longer listed by the cloud (last pass ${formatRelative(data.missing.lastPassAt)}).</p>
            ${data.missing.vms.length === 0
              ? html`<p>None.</p>`
              : html`<${TableWrap} label="Missing VMs"><table>
                  <thead><tr><th scope="col">Cloud</th><th scope="col">VM</th><th scope="col">Hostname</th><th scope="col">Tracker</th><th scope="col">Missing since</th></tr></thead>
                  <tbody>${data.missing.vms.map((vm) => html`<tr><td>${vm.cloud}</td><td><code>${vm.idVm}</code></td><td>${vm.hostname ?? '—'}</td><td>${vm.trackerStatus ?? '—'}</td><td>${formatRelative(vm.missingSince)}</td></tr>`)}</tbody>
                </table><//>`}
          </section>
          <section aria-labelledby="startup-title">
            <h2 id="startup-title">Startup time</h2>
            <p class="muted">From the create call to the first time the VM is seen running, per cloud and image.</p>
            <${StartupChart} report=${data.startup} />
          </section>
          <section aria-labelledby="failures-title">
            <h2 id="failures-title">Failures</h2>
            <p>${data.boot.total} boot failures${Object.keys(data.boot.byKind).length ? ` (${Object.entries(data.boot.byKind).map(([k, n]) => `${n} ${k}`).join(', ')})` : ''}.</p>
            ${data.boot.recent.length
              ? html`<ul>${data.boot.recent.map((f) => html`<li>${f.name} (<code>${f.idVm}</code>) on ${f.cloud}, image ${f.image}: ${f.kind}${f.fault ? ` — ${f.fault}` : ''} <span class="muted">${formatRelative(f.failedAt)}</span></li>`)}</ul>`
              : null}
            <${TableWrap} label="Image failures"><table>
              <caption>Images with failed boots: VMs created, failed, failure rate</caption>
              <thead><tr><th scope="col">Cloud</th><th scope="col">Image</th><th scope="col">Created</th><th scope="col">Failed</th><th scope="col">Rate</th></tr></thead>
              <tbody>
                ${data.image.images.length === 0 ? html`<tr><td colspan="5" class="muted">No image has failed to boot.</td></tr>` : null}
                ${data.image.images.map((row) => html`<tr><td>${row.cloud}</td><td>${row.image}</td><td>${row.created}</td><td>${row.failed}</td><td>${formatPercent(row.failureRate)}</td></tr>`)}
              </tbody>
            </table><//>
          </section>
          <${Heartbeats} items=${data.heartbeats} />
        `}
  `;
}
