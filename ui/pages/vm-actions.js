// VM actions that take a form or run as operations: the start form (image and size pickers from
// the cloud's catalog), the assign form, and the progress of the operations started here.
import { html, useEffect, useState } from '../lib/html.js';
import { path } from '../lib/api-client.js';
import { Badge, Dialog, ErrorLine } from '../lib/components.js';
import { useSubmit } from '../lib/form-submit.js';
import { isFinished, problemMessage, sizeLabel } from '../lib/format.js';

export function StartDialog({ api, cloud, onClose, onStarted }) {
  const { error, setError, busy, submit } = useSubmit(async (form) => {
    const operation = await api.create(path`/clouds/${cloud}/vms`, { name: form.get('name'), image: form.get('image'), size: form.get('size') });
    onStarted(operation, `start ${form.get('name')}`);
    onClose();
  });
  const catalog = useCatalog(api, cloud, setError);
  return html`<${Dialog} title=${`Start a VM on ${cloud}`} onClose=${onClose}>
    <form onSubmit=${submit} class="stack">
      <${ErrorLine} error=${error} />
      <label for="start-name">Name</label>
      <input id="start-name" name="name" required maxlength="255" />
      <${CatalogPickers} catalog=${catalog} idPrefix="start" sizeField="size" sizeLabel="Size" />
      <div class="buttons">
        <button type="submit" disabled=${busy || !catalog}>${busy ? 'Starting…' : 'Start'}</button>
        <button type="button" class="secondary" onClick=${onClose}>Cancel</button>
      </div>
    </form>
  <//>`;
}

/** A cloud's images and sizes for the pickers; null while loading (errors go to `onError`). */
export function useCatalog(api, cloud, onError) {
  const [catalog, setCatalog] = useState(null);
  useEffect(() => {
    setCatalog(null);
    if (!cloud) return;
    Promise.all([api.get(path`/clouds/${cloud}/images`), api.get(path`/clouds/${cloud}/sizes`)])
      .then(([images, sizes]) => setCatalog({ images: images.items, sizes: sizes.items }))
      .catch(onError);
  }, [cloud]);
  return catalog;
}

/** The image and size pickers of a start form (labels for `${idPrefix}-image` / `-size`). */
export function CatalogPickers({ catalog, idPrefix, sizeField, sizeLabel: label }) {
  return html`
    <label for=${`${idPrefix}-image`}>Image</label>
    <select id=${`${idPrefix}-image`} name="image" required disabled=${!catalog}>
      ${(catalog?.images ?? []).map((i) => html`<option value=${i.name}>${i.name}</option>`)}
    </select>
    <label for=${`${idPrefix}-size`}>${label}</label>
    <select id=${`${idPrefix}-size`} name=${sizeField} required disabled=${!catalog}>
      ${(catalog?.sizes ?? []).map((s) => html`<option value=${s.name}>${sizeLabel(s)}</option>`)}
    </select>`;
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

/**
 * The actions of a page: `act(label, work)` runs a call; an operation it answers is tracked (shown
 * by OperationProgress), anything else or a refusal becomes the page's message line.
 */
export function useOperationActions(refresh) {
  const [tracked, setTracked] = useState([]);
  const [message, setMessage] = useState(null);
  const track = (operation, label) => setTracked((list) => [{ operation, label }, ...list].slice(0, 5));
  const act = async (label, work) => {
    setMessage(null);
    try {
      const answer = await work();
      if (answer?.kind && answer?.state) track(answer, label);
      else setMessage({ ok: true, text: `${label}: done` });
      refresh();
    } catch (err) {
      setMessage({ ok: false, text: `${label}: ${problemMessage(err.problem ?? err.message)}` });
    }
  };
  return { tracked, message, setMessage, track, act };
}

export function MessageLine({ message }) {
  return message ? html`<p class=${message.ok ? 'notice' : 'error'} role=${message.ok ? 'status' : 'alert'}>${message.text}</p>` : null;
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
