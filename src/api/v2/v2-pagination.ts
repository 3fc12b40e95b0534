// Cursor pagination over a sorted list: the cursor is the sort key of the last item served
// (opaque to clients: base64url JSON), so items added or removed meanwhile shift nothing. It
// also carries a digest of the filters, so a cursor cannot be replayed against another query.
import { createHash } from 'node:crypto';
import { DispatcherError } from '../../domain/errors.js';

export type SortKey = (string | number)[];

export interface Page<T> {
  items: T[];
  next: string | null;
}

export function compareKeys(a: SortKey, b: SortKey): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const x = a[i] ?? '';
    const y = b[i] ?? '';
    if (x < y) return -1;
    if (x > y) return 1;
  }
  return 0;
}

export function filterDigest(filters: Record<string, unknown>): string {
  return createHash('sha256').update(JSON.stringify(filters)).digest('base64url').slice(0, 12);
}

export function encodeCursor(key: SortKey, digest: string): string {
  return Buffer.from(JSON.stringify({ k: key, f: digest })).toString('base64url');
}

export function decodeCursor(cursor: string, digest: string): SortKey {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    parsed = undefined;
  }
  const value = parsed as { k?: unknown; f?: unknown } | undefined;
  const valid = value && Array.isArray(value.k) && value.k.every((p) => typeof p === 'string' || typeof p === 'number');
  if (!valid) throw invalidCursor('is not a cursor this server made');
  if (value.f !== digest) throw invalidCursor('was made for other filters');
  return value.k as SortKey;
}

function invalidCursor(why: string): DispatcherError {
  const message = `"next" ${why}`;
  return new DispatcherError('bad-request', message, {
    code: 'InvalidCursor',
    details: { errors: [{ in: 'query', key: 'next', reason: 'cursor.invalid', message }] },
  });
}

/**
 * One page of a list the store reads in order from a key on (`fetch(after, n)`: at most n items
 * past `after`). One item more than the page tells whether another page follows.
 */
export async function pageFrom<T>(
  options: { limit: number; next?: string; filters: Record<string, unknown> },
  fetch: (after: SortKey | undefined, count: number) => Promise<T[]>,
  keyOf: (item: T) => SortKey,
): Promise<Page<T>> {
  const digest = filterDigest(options.filters);
  const after = options.next === undefined ? undefined : decodeCursor(options.next, digest);
  const found = await fetch(after, options.limit + 1);
  const items = found.slice(0, options.limit);
  return { items, next: found.length > options.limit ? encodeCursor(keyOf(items[items.length - 1]), digest) : null };
}

/**
 * One page of `items` (ordered here by `keyOf`) after the cursor. The list is read once, keeping
 * only the first `limit` + 1 in order (the one past the page says whether a next exists): a page
 * of 100 out of 10,000 without sorting them all, and one key made per item, not per comparison.
 * Equal keys keep their order in `items`, as a stable sort would.
 */
export function paginate<T>(items: T[], keyOf: (item: T) => SortKey, options: { limit: number; next?: string; filters: Record<string, unknown> }): Page<T> {
  const digest = filterDigest(options.filters);
  const after = options.next === undefined ? undefined : decodeCursor(options.next, digest);
  const { limit } = options;
  const kept: { item: T; key: SortKey }[] = [];
  for (const item of items) {
    const key = keyOf(item);
    if (after && compareKeys(key, after) <= 0) continue;
    if (kept.length > limit && compareKeys(key, kept[limit].key) >= 0) continue;
    let lo = 0;
    let hi = kept.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (compareKeys(kept[mid].key, key) <= 0) lo = mid + 1;
      else hi = mid;
    }
    kept.splice(lo, 0, { item, key });
    if (kept.length > limit + 1) kept.pop();
  }
  const page = kept.slice(0, limit);
  return { items: page.map((entry) => entry.item), next: kept.length > limit ? encodeCursor(page[page.length - 1].key, digest) : null };
}

/** Items in page order (by key, equal keys in their order in the input) with their keys. */
export interface Ordered<T> {
  items: readonly T[];
  keys: readonly SortKey[];
}

/** Orders `items` once for any number of pages read with pageOrdered (a key made per item). */
export function orderBy<T>(items: readonly T[], keyOf: (item: T) => SortKey): Ordered<T> {
  const keyed = items.map((item, at) => ({ item, key: keyOf(item), at }));
  keyed.sort((a, b) => compareKeys(a.key, b.key) || a.at - b.at);
  return { items: keyed.map((e) => e.item), keys: keyed.map((e) => e.key) };
}

/**
 * The page `paginate` makes of the same items and filter, read from their order: the first item
 * past the cursor found by binary search, then the matching ones taken until one past the page.
 */
export function pageOrdered<T>(ordered: Ordered<T>, matches: ((item: T) => boolean) | undefined, options: { limit: number; next?: string; filters: Record<string, unknown> }): Page<T> {
  const digest = filterDigest(options.filters);
  const after = options.next === undefined ? undefined : decodeCursor(options.next, digest);
  const { items, keys } = ordered;
  const { limit } = options;
  let from = 0;
  // Keys of strings only are totally ordered, so "past the cursor" is a suffix; a number in a
  // cursor (only a hand-made one) compares loosely, so then every item is asked, as paginate does.
  const bySearch = after !== undefined && after.every((part) => typeof part === 'string');
  if (bySearch) {
    let hi = keys.length;
    while (from < hi) {
      const mid = (from + hi) >> 1;
      if (compareKeys(keys[mid], after) <= 0) from = mid + 1;
      else hi = mid;
    }
  }
  const taken: number[] = [];
  for (let i = from; i < items.length && taken.length <= limit; i++) {
    if (after && !bySearch && compareKeys(keys[i], after) <= 0) continue;
    if (!matches || matches(items[i])) taken.push(i);
  }
  const page = taken.slice(0, limit);
  return { items: page.map((i) => items[i]), next: taken.length > limit ? encodeCursor(keys[page[page.length - 1]], digest) : null };
}
