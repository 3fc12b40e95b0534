// Operations: the API's list (newest first, cursor pages, filters), live, with steps and errors.
import { html, useState } from '../lib/html.js';
import { query } from '../lib/api-client.js';
import { usePoll } from '../lib/use-poll.js';
import { Badge, ErrorLine, Loading, PageTitle } from '../lib/components.js';
import { formatDuration, formatRelative, problemMessage, stepsSummary } from '../lib/format.js';
import { currentCursor, firstPage, nextPage, previousPage } from '../lib/pager.js';

const STATES = ['queued', 'running', 'succeeded', 'failed', 'interrupted'];

export function OperationsPage({ api }) {
  const [filters, setFilters] = useState({ state: '', kind: '', cloud: '' });
  const [pager, setPager] = useState(firstPage());
  const cursor = currentCursor(pager);
  const ops = usePoll(() => api.get(`/operations${query({ ...filters, limit: 25, next: cursor })}`), 3000, [filters, cursor]);
  const apply = (event) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    setFilters({ state: form.get('state'), kind: form.get('kind').trim(), cloud: form.get('cloud').trim() });
    setPager(firstPage());
  };
  return html`
    <${PageTitle} live>Operations<//>
    <form class="filters" onSubmit=${apply} aria-label="Filter operations">
      <label>State <select name="state" value=${filters.state}><option value="">any</option>${STATES.map((s) => html`<option value=${s}>${s}</option>`)}</select></label>
      <label>Kind <input name="kind" placeholder="vm.start" value=${filters.kind} /></label>
      <label>Cloud <input name="cloud" value=${filters.cloud} /></label>
      <button type="submit" class="secondary">Apply</button>
    </form>
    <${ErrorLine} error=${ops.error} />
    ${!ops.data
      ? html`<${Loading} what="operations" />`
      : html`<ul class="op-list">
            ${ops.data.items.length === 0 ? html`<li class="muted">No operation.</li>` : null}
            ${ops.data.items.map((op) => html`<${OperationItem} key=${op.id} op=${op} />`)}
          </ul>
          <div class="pager">
            <button type="button" class="secondary" disabled=${pager.index === 0} onClick=${() => setPager(previousPage(pager))}>Newer</button>
            <span class="muted">Page ${pager.index + 1}</span>
            <button type="button" class="secondary" disabled=${!ops.data.next} onClick=${() => setPager(nextPage(pager, ops.data.next))}>Older</button>
          </div>`}
  `;
}

function OperationItem({ op }) {
  const took = op.finishedAt ? Date.parse(op.finishedAt) - Date.parse(op.createdAt) : null;
  return html`<li class="operation">
    <details>
      <summary>
        <${Badge} state=${op.state} kind="operation" /> <strong>${op.kind}</strong> on ${op.cloud ?? '—'}
        ${op.target ? html` · <code>${op.target}</code>` : null}
        <span class="muted"> · ${formatRelative(op.createdAt)}${took !== null ? ` · took ${formatDuration(took)}` : ''}</span>
        <span class="muted small"> · ${stepsSummary(op.steps)}</span>
      </summary>
      <ol class="steps">
        ${op.steps.map((s) => html`<li><strong>${s.step}</strong> ${s.state} <span class="muted">${formatRelative(s.at)}</span>${s.detail ? html` — ${s.detail}` : null}</li>`)}
      </ol>
      ${op.error ? html`<p class="error">${problemMessage(op.error)}${op.error.status ? ` (HTTP ${op.error.status})` : ''}</p>` : null}
      <p class="muted small">id <code>${op.id}</code></p>
    </details>
  </li>`;
}
