// Admin: the audit log, newest first, filtered by action and actor, in the API's cursor pages.
import { html, useState } from '../lib/html.js';
import { query } from '../lib/api-client.js';
import { usePoll } from '../lib/use-poll.js';
import { Badge, ErrorLine, Loading, TableWrap } from '../lib/components.js';
import { formatRelative } from '../lib/format.js';
import { currentCursor, firstPage, nextPage, previousPage } from '../lib/pager.js';

export function AdminAudit({ api }) {
  const [filters, setFilters] = useState({ action: '', actor: '' });
  const [pager, setPager] = useState(firstPage());
  const cursor = currentCursor(pager);
  const { data, error } = usePoll(() => api.get(`/admin/audit${query({ ...filters, limit: 25, next: cursor })}`), 0, [filters, cursor]);
  const apply = (event) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    setFilters({ action: form.get('action').trim(), actor: form.get('actor').trim() });
    setPager(firstPage());
  };
  return html`<section aria-labelledby="audit-title">
    <h2 id="audit-title">Audit log</h2>
    <form class="filters" onSubmit=${apply} aria-label="Filter the audit log">
      <label>Action <input name="action" placeholder="cloud.update" value=${filters.action} /></label>
      <label>Actor <input name="actor" value=${filters.actor} /></label>
      <button type="submit" class="secondary">Apply</button>
    </form>
    <${ErrorLine} error=${error} />
    ${!data
      ? html`<${Loading} what="the audit log" />`
      : html`<${TableWrap} label="Audit log entries"><table>
            <thead><tr><th scope="col">When</th><th scope="col">Actor</th><th scope="col">Action</th><th scope="col">Target</th><th scope="col">Result</th><th scope="col">Details</th></tr></thead>
            <tbody>
              ${data.items.length === 0 ? html`<tr><td colspan="6" class="muted">No entry.</td></tr>` : null}
              ${data.items.map(
                (e) => html`<tr>
                  <td><time datetime=${e.at}>${formatRelative(e.at)}</time></td>
                  <td>${e.actor}</td><td>${e.action}</td><td>${e.target}</td>
                  <td><${Badge} state=${e.result === 'ok' ? 'succeeded' : 'failed'} kind="operation" /> ${e.status ?? ''}</td>
                  <td class="small">${e.message ?? ''} ${e.params && Object.keys(e.params).length ? html`<code>${JSON.stringify(e.params)}</code>` : null}</td>
                </tr>`,
              )}
            </tbody>
          </table><//>
          <div class="pager">
            <button type="button" class="secondary" disabled=${pager.index === 0} onClick=${() => setPager(previousPage(pager))}>Newer</button>
            <span class="muted">Page ${pager.index + 1}</span>
            <button type="button" class="secondary" disabled=${!data.next} onClick=${() => setPager(nextPage(pager, data.next))}>Older</button>
          </div>`}
  </section>`;
}
