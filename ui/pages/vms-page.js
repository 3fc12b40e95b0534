// VMs of one cloud: the API's cursor pages and filters (state, exact name), a sort within the
// page, the tracker's status and user per VM, and the actions.
import { html, useMemo, useState } from '../lib/html.js';
import { path, query } from '../lib/api-client.js';
import { usePoll } from '../lib/use-poll.js';
import { Badge, ErrorLine, Loading, PageTitle, TableWrap } from '../lib/components.js';
import { formatRelative, ips } from '../lib/format.js';
import { currentCursor, firstPage, nextPage, previousPage, sortRows } from '../lib/pager.js';
import { href } from '../lib/route.js';
import { AssignDialog, MessageLine, OperationProgress, StartDialog, useOperationActions } from './vm-actions.js';

const VM_STATES = ['running', 'pending', 'rebooting', 'stopping', 'stopped', 'error', 'terminated', 'unknown'];
const COLUMNS = [
  ['name', 'Name'],
  ['state', 'State'],
  ['ips', 'IPs'],
  ['createdAt', 'Created'],
  ['tracker', 'Tracker'],
  ['user', 'User'],
];
/** Assignments read for the tracker column: enough pages for a big cloud, bounded per refresh. */
const ASSIGNMENT_PAGES = 4;

export function VmsPage({ api, arg }) {
  // /status/clouds, not /clouds: it carries the operator's enable/disable (GET /clouds shows the file's).
  const clouds = usePoll(() => api.get('/status/clouds'), 0);
  if (clouds.error) return html`<${PageTitle}>VMs<//><${ErrorLine} error=${clouds.error} />`;
  if (!clouds.data) return html`<${PageTitle}>VMs<//><${Loading} what="clouds" />`;
  const names = clouds.data.items.map((c) => c.name);
  const cloud = arg && names.includes(arg) ? arg : names[0];
  if (!cloud) return html`<${PageTitle}>VMs<//><p>No cloud is configured.</p>`;
  return html`<${CloudVms} key=${cloud} api=${api} cloud=${cloud} clouds=${clouds.data.items} />`;
}

async function assignmentsByVm(api, cloud) {
  const byVm = new Map();
  let next;
  for (let i = 0; i < ASSIGNMENT_PAGES; i++) {
    const page = await api.get(`/assignments${query({ cloud, limit: 500, next })}`);
    for (const a of page.items) byVm.set(a.vmId, a);
    next = page.next;
    if (!next) break;
  }
  return byVm;
}

function CloudVms({ api, cloud, clouds }) {
  const [filters, setFilters] = useState({ state: '', name: '', limit: 50 });
  const [pager, setPager] = useState(firstPage());
  const [sort, setSort] = useState({ key: null, direction: 'ascending' });
  const [dialog, setDialog] = useState(null);
  const cursor = currentCursor(pager);
  const vms = usePoll(
    async () => {
      const [page, byVm] = await Promise.all([
        api.get(`${path`/clouds/${cloud}/vms`}${query({ state: filters.state, name: filters.name, limit: filters.limit, next: cursor })}`),
        assignmentsByVm(api, cloud),
      ]);
      return { ...page, byVm };
    },
    5000,
    [cloud, filters, cursor],
  );
  const rows = useMemo(() => {
    const items = (vms.data?.items ?? []).map((vm) => {
      const a = vms.data.byVm.get(vm.id);
      return { ...vm, ips: ips(vm), tracker: a?.status ?? '', user: a?.user ?? '', assignment: a };
    });
    return sortRows(items, sort.key, sort.direction);
  }, [vms.data, sort]);

  const applyFilters = (event) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    setFilters({ state: form.get('state'), name: form.get('name').trim(), limit: Number(form.get('limit')) });
    setPager(firstPage());
  };
  const { tracked, message, setMessage, track, act } = useOperationActions(() => vms.refresh());
  const toggleSort = (key) => setSort((s) => ({ key, direction: s.key === key && s.direction === 'ascending' ? 'descending' : 'ascending' }));

  return html`
    <${PageTitle} live>VMs on ${cloud}<//>
    <nav aria-label="Clouds" class="tabs">
      ${clouds.map((c) => html`<a href=${href('vms', c.name)} aria-current=${c.name === cloud ? 'page' : undefined}>${c.name}</a>`)}
    </nav>
    <div class="toolbar">
      <form class="filters" onSubmit=${applyFilters} aria-label="Filter VMs">
        <label>State <select name="state" value=${filters.state}><option value="">any</option>${VM_STATES.map((s) => html`<option value=${s}>${s}</option>`)}</select></label>
        <label>Name (exact) <input name="name" value=${filters.name} /></label>
        <label>Per page <select name="limit" value=${filters.limit}>${[25, 50, 100, 200].map((n) => html`<option value=${n}>${n}</option>`)}</select></label>
        <button type="submit" class="secondary">Apply</button>
      </form>
      <button type="button" onClick=${() => setDialog({ kind: 'start' })}>Start a VM</button>
    </div>
    ${clouds.find((c) => c.name === cloud)?.enabled === false
      ? html`<p class="banner warn" role="status">${cloud} is disabled by an operator: it refuses new starts and assignments.</p>`
      : null}
    <${MessageLine} message=${message} />
    <${OperationProgress} api=${api} tracked=${tracked} onFinished=${() => vms.refresh()} />
    <${ErrorLine} error=${vms.error} />
    ${!vms.data
      ? html`<${Loading} what="VMs" />`
      : html`<${TableWrap} label=${`VMs on ${cloud}`}>
          <table aria-describedby="vm-page-note">
            <thead>
              <tr>
                ${COLUMNS.map(
                  ([key, label]) => html`<th scope="col" aria-sort=${sort.key === key ? sort.direction : undefined}>
                    <button type="button" class="sort" onClick=${() => toggleSort(key)}>${label}</button>
                  </th>`,
                )}
                <th scope="col">Actions</th>
              </tr>
            </thead>
            <tbody>
              ${rows.length === 0 ? html`<tr><td colspan=${COLUMNS.length + 1} class="muted">No VM matches.</td></tr>` : null}
              ${rows.map((vm) => html`<${VmRow} vm=${vm} api=${api} cloud=${cloud} act=${act} openAssign=${() => setDialog({ kind: 'assign', vm })} />`)}
            </tbody>
          </table>
        <//>
        <div class="pager">
          <button type="button" class="secondary" disabled=${pager.index === 0} onClick=${() => setPager(previousPage(pager))}>Previous page</button>
          <span id="vm-page-note" class="muted">Page ${pager.index + 1} · ${rows.length} VMs · sorted by the API by creation time; column sort applies within the page</span>
          <button type="button" class="secondary" disabled=${!vms.data.next} onClick=${() => setPager(nextPage(pager, vms.data.next))}>Next page</button>
        </div>`}
    ${dialog?.kind === 'start' ? html`<${StartDialog} api=${api} cloud=${cloud} onClose=${() => setDialog(null)} onStarted=${track} />` : null}
    ${dialog?.kind === 'assign'
      ? html`<${AssignDialog} api=${api} cloud=${cloud} vm=${dialog.vm} onClose=${() => setDialog(null)} onDone=${(text) => (setMessage({ ok: true, text }), vms.refresh())} />`
      : null}
  `;
}

function VmRow({ vm, api, cloud, act, openAssign }) {
  const vmPath = path`/clouds/${cloud}/vms/${vm.id}`;
  const assigned = vm.tracker === 'ASSIGNED';
  return html`<tr>
    <th scope="row"><span class="name">${vm.name}</span><br /><code class="muted small">${vm.id}</code></th>
    <td><${Badge} state=${vm.state} />${vm.fault ? html`<br /><span class="error small">${vm.fault}</span>` : null}</td>
    <td>${vm.ips}</td>
    <td>${formatRelative(vm.createdAt)}</td>
    <td>${vm.tracker ? html`<${Badge} state=${vm.tracker} />` : html`<span class="muted">—</span>`}</td>
    <td>${vm.user || '—'}</td>
    <td class="actions">
      <button type="button" class="secondary" aria-label=${`Reboot ${vm.name}`} onClick=${() => act(`reboot ${vm.name}`, () => api.post(`${vmPath}/actions`, { action: 'reboot' }))}>Reboot</button>
      ${assigned
        ? html`<button type="button" class="secondary" aria-label=${`Release ${vm.name}`}
            onClick=${() => confirm(`Release ${vm.name}? It is un-assigned and deleted.`) && act(`release ${vm.name}`, () => api.del(path`/assignments/${vm.assignment.id}`))}>Release</button>`
        : html`<button type="button" class="secondary" aria-label=${`Assign ${vm.name}`} disabled=${vm.tracker !== 'FREE'} onClick=${openAssign}>Assign</button>`}
      <button type="button" class="danger" aria-label=${`Stop ${vm.name}`}
        onClick=${() => confirm(`Stop ${vm.name}? The VM is deleted.`) && act(`stop ${vm.name}`, () => api.del(vmPath))}>Stop</button>
    </td>
  </tr>`;
}
