// v2's cursor pages are read in one pass that keeps only the page (not a sort of the whole list):
// they must be exactly the pages of a stable sort, ties included, whatever the order given.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compareKeys, paginate, type SortKey } from '../../src/api/v2/v2-pagination.js';

interface Item {
  at: string;
  id: string;
  n: number;
}

/** A deterministic shuffle-like list with many equal keys (the same second, the same id twice). */
function items(count: number): Item[] {
  return Array.from({ length: count }, (_, n) => ({ at: `2026-01-01T00:00:${String((n * 7919) % 13).padStart(2, '0')}Z`, id: `vm-${(n * 104729) % (count / 2)}`, n }));
}

const keyOf = (item: Item): SortKey => [item.at, item.id];

function allPages(list: Item[], limit: number): Item[][] {
  const pages: Item[][] = [];
  let next: string | undefined;
  for (;;) {
    const page = paginate(list, keyOf, { limit, next, filters: { f: 1 } });
    pages.push(page.items);
    if (page.next === null) return pages;
    next = page.next;
  }
}

describe('v2 pagination', () => {
  for (const limit of [1, 3, 10, 100, 1000]) {
    it(`pages of ${limit} are the pages of a stable sort (ties in input order)`, () => {
      const list = items(500);
      const sorted = [...list].sort((a, b) => compareKeys(keyOf(a), keyOf(b)));
      const first = paginate(list, keyOf, { limit, filters: { f: 1 } });
      assert.deepEqual(first.items.map((i) => i.n), sorted.slice(0, limit).map((i) => i.n));
      assert.equal(first.next === null, limit >= list.length);
      // Following the cursors: every later item exactly once when no two items share a key.
      const unique = list.filter((item, i) => list.findIndex((o) => compareKeys(keyOf(o), keyOf(item)) === 0) === i);
      const uniqueSorted = [...unique].sort((a, b) => compareKeys(keyOf(a), keyOf(b)));
      assert.deepEqual(allPages(unique, limit).flat().map((i) => i.n), uniqueSorted.map((i) => i.n));
    });
  }

  it('an empty list is one empty page', () => {
    assert.deepEqual(paginate([], keyOf, { limit: 10, filters: {} }), { items: [], next: null });
  });
});
