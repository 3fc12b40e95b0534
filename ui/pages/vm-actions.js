// VM actions that take a form or run as operations: the start form (image and size pickers from
// the cloud's catalog), the assign form, and the progress of the operations started here.
import { html, useEffect, useState } from '../lib/html.js';
import { path } from '../lib/api-client.js';
import { Badge, Dialog, ErrorLine } from '../lib/components.js';
import { isFinished, problemMessage, sizeLabel } from '../lib/format.js';

export function StartDialog({ api, cloud, onClose, onStarted }) {
  const [catalog, setCatalog] = useState(null);
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    Promise.all([api.get(path`/clouds/${cloud}/images`), api.get(path`/clouds/${cloud}/sizes`)])
      .then(([images, sizes]) => setCatalog({ images: images.items, sizes: sizes.items }))
      .catch(setError);
  }, [cloud]);
  const submit = async (event) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    setBusy(true);
    setError(null);
    try {
      const operation = await api.create(path`/clouds/${cloud}/vms`, { name: form.get('name'), image: form.get('image'), size: form.get('size') });
      onStarted(operation, `start ${form.get('name')}`);
      onClose();
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  };
  return html`<${Dialog} title=${`Start a VM on ${cloud}`} onClose=${onClose}>
    <form onSubmit=${submit} class="stack">
      <${ErrorLine} error=${error} />
      <label for="start-name">Name</label>
      <input id="start-name" name="name" required maxlength="255" />
      <label for="start-image">Image</label>
      <select id="start-image" name="image" required disabled=${!catalog}>
        ${(catalog?.images ?? []).map((i) => html`<option value=${i.name}>${i.name}</option>`)}
      </select>
      <label for="start-size">Size</label>
      <select id="start-size" name="size" required disabled=${!catalog}>
        ${(catalog?.sizes ?? []).map((s) => html`<option value=${s.name}>${sizeLabel(s)}</option>`)}
      </select>
      <div class="buttons">
        <button type="submit" disabled=${busy || !catalog}>${busy ? 'Starting…' : 'Start'}</button>
        <button type="button" class="secondary" onClick=${onClose}>Cancel</button>
      </div>
    </form>
  <//>`;
}

export function AssignDialog({ api, cloud, vm, onClose, onDone }) {
  const [error, setError] = useState(null);
  const submit = async (event) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    try {
      await api.post('/assignments', { cloud, vm: vm.id, user: form.get('user'), vmType: form.get('vmType') });
      onDone(`${vm.name} assigned to ${form.get('user')}`);
      onClose();
    } catch (err) {
      setError(err);
    }
  };
  return html`<${Dialog} title=${`Assign ${vm.name}`} onClose=${onClose}>
    <form onSubmit=${submit} class="stack">
      <${ErrorLine} error=${error} />
      <label for="assign-user">User</label>
      <input id="assign-user" name="user" required />
      <label for="assign-type">VM type</label>
      <input id="assign-type" name="vmType" required value="default" />
      <div class="buttons">
        <button type="submit">Assign</button>
        <button type="button" class="secondary" onClick=${onClose}>Cancel</button>
      </div>
    </form>
  <//>`;
}

/** Operations started from this page, each polled until it ends; announced politely. */
export function OperationProgress({ api, tracked, onFinished }) {
  if (!tracked.length) return null;
  return html`<section aria-labelledby="progress-title" class="progress">
    <h2 id="progress-title">Your recent actions</h2>
    <ul aria-live="polite">
      ${tracked.map((t) => html`<${TrackedOperation} key=${t.operation.id} api=${api} label=${t.label} initial=${t.operation} onFinished=${onFinished} />`)}
    </ul>
  </section>`;
}

function TrackedOperation({ api, label, initial, onFinished }) {
  const [op, setOp] = useState(initial);
  useEffect(() => {
    if (isFinished(op)) {
      onFinished?.(op);
      return undefined;
    }
    const timer = setTimeout(() => api.get(path`/operations/${op.id}`).then(setOp).catch(() => setOp({ ...op })), 1000);
    return () => clearTimeout(timer);
  }, [op]);
  return html`<li class="operation">
    <span>${label}</span> <${Badge} state=${op.state} kind="operation" />
    <ol class="steps" aria-label="steps">
      ${(op.steps ?? []).map((s) => html`<li><${Badge} state=${s.state} kind="operation" /> ${s.step}${s.detail ? html` <span class="muted">${s.detail}</span>` : null}</li>`)}
    </ol>
    ${op.error ? html`<p class="error">${problemMessage(op.error)}</p>` : null}
  </li>`;
}
