// Clusters' forms and statuses as pure functions (no DOM): what the page sends is checked here
// first, so a typo is named at the field instead of coming back as a 400.

/** The API's member-name rule: members are named `<name>-<8 hex>`, so the name is a host label. */
const CLUSTER_NAME = /^[A-Za-z0-9][A-Za-z0-9-]{0,62}$/;
export const MAX_CLUSTER_SIZE = 1000;
export const STRATEGIES = ['spread', 'pack'];
export const CLUSTER_ACTIONS = ['start', 'stop', 'reboot', 'repair'];
/** One operation at a time per cluster: while busy the API answers 409 ClusterBusy. */
const BUSY = ['creating', 'scaling', 'stopping', 'deleting'];

export function isClusterBusy(status) {
  return BUSY.includes(status);
}

function wholeNumber(value, min) {
  const text = String(value ?? '').trim();
  if (!/^\d+$/.test(text)) return null;
  const n = Number(text);
  return n >= min && n <= MAX_CLUSTER_SIZE ? n : null;
}

/** The create form's fields → `{ body }` for POST /clusters, or `{ error }` naming the field. */
export function clusterCreateBody(fields) {
  const name = String(fields.name ?? '').trim();
  if (!CLUSTER_NAME.test(name)) return { error: 'Name: letters, digits and "-", starting with a letter or digit, at most 63' };
  const size = wholeNumber(fields.size, 1);
  if (size === null) return { error: `Size: a whole number from 1 to ${MAX_CLUSTER_SIZE}` };
  if (!fields.image || !fields.vmSize) return { error: 'Image and VM size: pick one of each' };
  const strategy = STRATEGIES.includes(fields.strategy) ? fields.strategy : 'spread';
  return { body: { name, size, template: { image: fields.image, size: fields.vmSize }, placement: { strategy } } };
}

/** The scale form's value → `{ body }` for PATCH /clusters/{id}, or `{ error }`. */
export function scaleBody(value, force = false) {
  const size = wholeNumber(value, 0);
  if (size === null) return { error: `New size: a whole number from 0 to ${MAX_CLUSTER_SIZE}` };
  return { body: force ? { size, force: true } : { size } };
}

/** Active members per cloud ({default: 2, east: 1}) → "default 2 · east 1"; none → "—". */
export function cloudSpread(clouds) {
  const parts = Object.entries(clouds ?? {})
    .filter(([, n]) => n > 0)
    .sort((a, b) => a[0].localeCompare(b[0]))
    .map(([cloud, n]) => `${cloud} ${n}`);
  return parts.length ? parts.join(' · ') : '—';
}

/** A cluster action's question before it runs, or null when it needs none (stop powers VMs off). */
export function confirmText(action, name) {
  if (action === 'stop') return `Stop every member of ${name}?`;
  if (action === 'delete') return `Delete ${name}? Every member VM is destroyed.`;
  return null;
}
