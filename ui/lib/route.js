// Hash routes (#/vms/default): the server serves one page, whatever prefix a proxy puts before it.
export const PAGES = ['overview', 'vms', 'operations', 'status', 'clusters', 'admin'];

export function parseRoute(hash) {
  const [page, ...rest] = String(hash ?? '').replace(/^#\/?/, '').split('/');
  if (!PAGES.includes(page)) return { page: 'overview', arg: null };
  return { page, arg: rest.length ? decodeURIComponent(rest.join('/')) : null };
}

export function href(page, arg) {
  return arg ? `#/${page}/${encodeURIComponent(arg)}` : `#/${page}`;
}
