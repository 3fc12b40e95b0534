// Clusters: the list (status, desired / actual size, members per cloud), the create form, and at
// #/clusters/<id> one cluster's detail view. Work runs as operations shown with their progress.
import { html, useState } from '../lib/html.js';
import { usePoll } from '../lib/use-poll.js';
import { Badge, Dialog, ErrorLine, Loading, PageTitle, TableWrap } from '../lib/components.js';
import { formatRelative } from '../lib/format.js';
import { cloudSpread, clusterCreateBody, STRATEGIES } from '../lib/cluster-form.js';
import { href } from '../lib/route.js';
import { CatalogPickers, MessageLine, OperationProgress, useCatalog, useOperationActions } from './vm-actions.js';
import { ClusterDetail } from './cluster-detail.js';

export function ClustersPage({ api, arg }) {
  return arg ? html`<${ClusterDetail} api=${api} id=${arg} />` : html`<${ClusterList} api=${api} />`;
}

function ClusterList({ api }) {
  const [creating, setCreating] = useState(false);
  const clusters = usePoll(() => api.get('/clusters'), 3000);
  const { tracked, message, track } = useOperationActions(() => clusters.refresh());
  const items = clusters.data?.items ?? [];
  return html`
    <${PageTitle} live>Clusters<//>
    <div class="toolbar">
      <p class="muted">Groups of VMs placed over the clouds; open one for its members, scale, actions and delete.</p>
      <button type="button" onClick=${() => setCreating(true)}>Create a cluster</button>
    </div>
    <${MessageLine} message=${message} />
    <${OperationProgress} api=${api} tracked=${tracked} onFinished=${() => clusters.refresh()} />
    <${ErrorLine} error=${clusters.error} />
    ${!clusters.data
      ? html`<${Loading} what="clusters" />`
      : html`<${TableWrap} label="Clusters">
          <table>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Status</th>
                <th scope="col">Size (actual / desired)</th>
                <th scope="col">Members per cloud</th>
                <th scope="col">Template</th>
                <th scope="col">Created</th>
              </tr>
            </thead>
            <tbody>
              ${items.length === 0 ? html`<tr><td colspan="6" class="muted">No cluster yet.</td></tr>` : null}
              ${items.map(
                (c) => html`<tr key=${c.id}>
                  <th scope="row"><a href=${href('clusters', c.id)}>${c.name}</a><br /><code class="muted small">${c.id}</code></th>
                  <td><${Badge} state=${c.status} /></td>
                  <td class="count">${c.actualSize} / ${c.desiredSize}</td>
                  <td>${cloudSpread(c.clouds)}</td>
                  <td>${c.template?.image} · ${c.template?.size}</td>
                  <td>${formatRelative(c.createdAt)}</td>
                </tr>`,
              )}
            </tbody>
          </table>
        <//>`}
    ${creating ? html`<${CreateDialog} api=${api} onClose=${() => setCreating(false)} onStarted=${track} />` : null}
  `;
}

function CreateDialog({ api, onClose, onStarted }) {
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const clouds = usePoll(() => api.get('/status/clouds'), 0);
  const names = (clouds.data?.items ?? []).map((c) => c.name);
  const [cloud, setCloud] = useState(null);
  const catalogCloud = cloud ?? names[0];
  const catalog = useCatalog(api, catalogCloud, setError);
  const submit = async (event) => {
    event.preventDefault();
    const form = Object.fromEntries(new FormData(event.currentTarget));
    const checked = clusterCreateBody(form);
    if (checked.error) return setError({ message: checked.error });
    setBusy(true);
    setError(null);
    try {
      onStarted(await api.create('/clusters', checked.body), `create ${checked.body.name}`);
      onClose();
    } catch (err) {
      setError(err.problem?.clouds ? { message: `${err.message}: ${cloudSpreadReasons(err.problem.clouds)}` } : err);
      setBusy(false);
    }
  };
  return html`<${Dialog} title="Create a cluster" onClose=${onClose}>
    <form onSubmit=${submit} class="stack" noValidate>
      <${ErrorLine} error=${error ?? clouds.error} />
      <label for="cluster-name">Name</label>
      <input id="cluster-name" name="name" required maxlength="63" pattern="[A-Za-z0-9][A-Za-z0-9-]*" aria-describedby="cluster-name-hint" />
      <span id="cluster-name-hint" class="muted small">Members are named after it: name-1a2b3c4d.</span>
      <label for="cluster-count">Number of VMs</label>
      <input id="cluster-count" name="size" type="number" min="1" max="1000" required value="2" class="short" />
      <label for="cluster-catalog">Catalog of cloud</label>
      <select id="cluster-catalog" value=${catalogCloud} onChange=${(e) => setCloud(e.currentTarget.value)} aria-describedby="cluster-catalog-hint">
        ${names.map((n) => html`<option value=${n}>${n}</option>`)}
      </select>
      <span id="cluster-catalog-hint" class="muted small">Where the pickers' choices come from; members go to every cloud that has them.</span>
      <${CatalogPickers} key=${catalogCloud} catalog=${catalog} idPrefix="cluster" sizeField="vmSize" sizeLabel="VM size" />
      <fieldset>
        <legend>Placement</legend>
        ${STRATEGIES.map(
          (s, i) => html`<label class="choice"><input type="radio" name="strategy" value=${s} checked=${i === 0} /> ${s === 'spread' ? 'Spread over the clouds' : 'Pack one cloud first'}</label>`,
        )}
      </fieldset>
      <div class="buttons">
        <button type="submit" disabled=${busy || !catalog}>${busy ? 'Creating…' : 'Create'}</button>
        <button type="button" class="secondary" onClick=${onClose}>Cancel</button>
      </div>
    </form>
  <//>`;
}

/** A 409 NoPlacement's reasons per cloud, in one line. */
function cloudSpreadReasons(clouds) {
  return Object.entries(clouds).map(([cloud, reason]) => `${cloud}: ${reason}`).join('; ');
}

