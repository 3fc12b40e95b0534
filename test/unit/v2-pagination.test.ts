// v2's cursor pages are read in one pass that keeps only the page (not a sort of the whole list):
// they must be exactly the pages of a stable sort, ties included, whatever the order given.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compareKeys, encodeCursor, filterDigest, orderBy, pageOrdered, paginate, type SortKey } from '../../src/api/v2/v2-pagination.js';

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

  describe('pages read from an order made once (pageOrdered) are those of paginate', () => {
    /** Random keys from a small alphabet: many ties in createdAt, some in the whole key; some keys missing. */
    function randomItems(count: number, seed: number): Item[] {
      let x = seed;
      const next = () => (x = (x * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
      return Array.from({ length: count }, (_, n) => ({ at: next() < 0.1 ? '' : `2026-01-01T00:00:0${Math.floor(next() * 5)}Z`, id: `vm-${Math.floor(next() * count)}`, n }));
    }
    const even = (item: Item) => item.n % 2 === 0;

    for (const seed of [1, 2, 3, 4, 5]) {
      for (const limit of [1, 7, 100]) {
        for (const matches of [undefined, even]) {
          it(`seed ${seed}, limit ${limit}, ${matches ? 'a filter' : 'no filter'}: the same pages and cursors, followed to the end`, () => {
            const list = randomItems(300, seed);
            const ordered = orderBy(list, keyOf);
            const filters = { f: seed, filtered: matches !== undefined };
            let next: string | undefined;
            for (let pages = 0; ; pages++) {
              const expected = paginate(matches ? list.filter(matches) : list, keyOf, { limit, next, filters });
              const actual = pageOrdered(ordered, matches, { limit, next, filters });
              assert.deepEqual(actual.items.map((i) => i.n), expected.items.map((i) => i.n));
              assert.equal(actual.next, expected.next);
              if (expected.next === null) break;
              assert.ok(pages < 400, 'the pages end');
              next = expected.next;
            }
          });
        }
      }
    }

    it('a cursor of any key, numbers included, finds what paginate finds', () => {
      const list = randomItems(200, 9);
      const ordered = orderBy(list, keyOf);
      const filters = { f: 9 };
      const digest = filterDigest(filters);
      for (const key of [['2026-01-01T00:00:02Z'], ['2026-01-01T00:00:02Z', 'vm-50'], ['', 'vm-1', 'x'], [5, 'vm-3'], ['2026-01-01T00:00:01Z', 7], [], ['zzz']] as SortKey[]) {
        const options = { limit: 10, next: encodeCursor(key, digest), filters };
        const expected = paginate(list, keyOf, options);
        const actual = pageOrdered(ordered, undefined, options);
        assert.deepEqual(actual.items.map((i) => i.n), expected.items.map((i) => i.n), JSON.stringify(key));
        assert.equal(actual.next, expected.next);
      }
    });

    it('refuses a cursor of other filters, as paginate does', () => {
      const ordered = orderBy(randomItems(20, 3), keyOf);
      const next = paginate(randomItems(20, 3), keyOf, { limit: 5, filters: { a: 1 } }).next as string;
      assert.throws(() => pageOrdered(ordered, undefined, { limit: 5, next, filters: { a: 2 } }), /other filters/);
    });
  });
});
