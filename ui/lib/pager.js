// Cursor paging as the API does it: `next` moves forward; going back replays the cursor that
// opened the previous page, so a stack of cursors is all the state there is.

export function firstPage() {
  return { cursors: [undefined], index: 0 };
}

export function currentCursor(pager) {
  return pager.cursors[pager.index];
}

export function nextPage(pager, next) {
  if (!next) return pager;
  return { cursors: [...pager.cursors.slice(0, pager.index + 1), next], index: pager.index + 1 };
}

export function previousPage(pager) {
  return pager.index === 0 ? pager : { cursors: pager.cursors, index: pager.index - 1 };
}

/** Sorts one page's rows by a column, as the API sorts only by creation time. */
export function sortRows(rows, key, direction) {
  if (!key) return rows;
  const sign = direction === 'descending' ? -1 : 1;
  return [...rows].sort((a, b) => sign * String(a[key] ?? '').localeCompare(String(b[key] ?? ''), undefined, { numeric: true }));
}
