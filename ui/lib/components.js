// Small shared pieces: badges, error and loading lines, the page heading that takes focus.
import { html, useEffect, useRef } from './html.js';
import { operationTone, problemMessage, stateTone } from './format.js';

export function Badge({ state, kind }) {
  const tone = kind === 'operation' ? operationTone(state) : stateTone(state);
  return html`<span class=${`badge tone-${tone}`}>${state ?? 'unknown'}</span>`;
}

export function ErrorLine({ error }) {
  if (!error) return null;
  return html`<p class="error" role="alert">${problemMessage(error.problem ?? error.message)}</p>`;
}

export function Loading({ what }) {
  return html`<p class="muted" aria-live="polite">Loading ${what}…</p>`;
}

/** The page's h1; it takes focus when the page opens so screen readers announce it. */
export function PageTitle({ children, live }) {
  const ref = useRef(null);
  useEffect(() => ref.current?.focus(), []);
  return html`<div class="page-title">
    <h1 tabindex="-1" ref=${ref}>${children}</h1>
    ${live ? html`<span class="live muted" title="refreshes every few seconds">● live</span>` : null}
  </div>`;
}

/** A <dialog> opened modally; Escape and the Cancel button close it. */
export function Dialog({ title, onClose, children }) {
  const ref = useRef(null);
  useEffect(() => {
    const dialog = ref.current;
    if (dialog && !dialog.open) dialog.showModal();
    const cancel = (event) => {
      event.preventDefault();
      onClose();
    };
    dialog?.addEventListener('cancel', cancel);
    return () => dialog?.removeEventListener('cancel', cancel);
  }, []);
  return html`<dialog ref=${ref} aria-labelledby="dialog-title">
    <h2 id="dialog-title">${title}</h2>
    ${children}
  </dialog>`;
}

/** A table that may scroll sideways (phone width): focusable and named, so keyboards can scroll it. */
export function TableWrap({ label, children }) {
  return html`<div class="table-wrap" tabindex="0" role="region" aria-label=${label}>${children}</div>`;
}
