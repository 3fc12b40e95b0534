// Placement as a pure function (no cloud): allocations, disabled and unhealthy clouds, the
// template's availability, and what spread / pack / weighted promise.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { place, type CloudSnapshot } from '../../src/services/placement-policy.js';

const cloud = (name: string, extra: Partial<CloudSnapshot> = {}): CloudSnapshot => ({ name, enabled: true, canCreate: true, used: 0, faultRate: 0, members: 0, ...extra });
const counts = (clouds: string[]) => clouds.reduce<Record<string, number>>((acc, c) => ({ ...acc, [c]: (acc[c] ?? 0) + 1 }), {});

describe('placement policy', () => {
  it('spread evens out the group over the eligible clouds, counting members already held', () => {
    assert.deepEqual(counts(place([cloud('a'), cloud('b'), cloud('c')], { strategy: 'spread' }, 300).clouds), { a: 100, b: 100, c: 100 });
    const uneven = place([cloud('a', { members: 4 }), cloud('b')], { strategy: 'spread' }, 6);
    assert.deepEqual(counts(uneven.clouds), { a: 1, b: 5 });
  });

  it('honours allocations: a full cloud takes none, a nearly full one takes what it has room for', () => {
    const p = place([cloud('a', { allocation: 10, used: 10 }), cloud('b', { allocation: 5, used: 3 }), cloud('c')], { strategy: 'spread' }, 6);
    assert.deepEqual(counts(p.clouds), { b: 2, c: 4 });
    assert.equal(p.reasons.a, 'allocation of 10 reached (10 in use)');
    const short = place([cloud('a', { allocation: 2, used: 1 })], { strategy: 'spread' }, 3);
    assert.equal(short.unplaced, 2);
  });

  it('never places on a disabled, unhealthy, create-less or template-less cloud, and says why', () => {
    const p = place(
      [cloud('off', { enabled: false }), cloud('sick', { faultRate: 0.8 }), cloud('ro', { canCreate: false }), cloud('noimg', { templateProblem: 'no image x' }), cloud('ok')],
      { strategy: 'spread' },
      3,
    );
    assert.deepEqual(p.clouds, ['ok', 'ok', 'ok']);
    assert.deepEqual(
      { off: p.reasons.off, sick: p.reasons.sick, ro: p.reasons.ro, noimg: p.reasons.noimg },
      { off: 'disabled by an operator', sick: 'unhealthy: 80 % of recent calls failed', ro: 'its driver cannot create VMs', noimg: 'no image x' },
    );
    const none = place([cloud('off', { enabled: false })], { strategy: 'pack' }, 1);
    assert.equal(none.unplaced, 1);
    assert.deepEqual(none.clouds, []);
  });

  it('pack fills the first cloud (in order) to its allocation before the next', () => {
    const p = place([cloud('a', { allocation: 3, used: 1 }), cloud('b')], { strategy: 'pack' }, 5);
    assert.deepEqual(p.clouds, ['a', 'a', 'b', 'b', 'b']);
    assert.match(p.reasons.a, /^pack: 2 of 5/);
  });

  it('weighted places in proportion to the weights; weight 0 excludes; unnamed clouds are not used', () => {
    const p = place([cloud('a'), cloud('b'), cloud('c'), cloud('d')], { strategy: 'weighted', weights: { a: 3, b: 1, c: 0 }, clouds: ['a', 'b', 'c'] }, 8);
    assert.deepEqual(counts(p.clouds), { a: 6, b: 2 });
    assert.equal(p.reasons.c, 'weight 0');
    assert.equal(p.reasons.d, 'not among the clouds the placement names');
    assert.equal(place([cloud('a')], { strategy: 'spread', clouds: ['zzz'] }, 1).reasons.zzz, 'not a configured cloud');
  });
});
