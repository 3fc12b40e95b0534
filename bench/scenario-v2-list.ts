// v2-list: one page of GET /api/v2/clouds/{cloud}/vms?limit=100 on a fake cloud of 10,000 VMs
// against a bare Express app serving the same page (bench-versus-bare.ts). The dispatcher lists
// the whole cloud (the fake, like most providers, has no paged listing), filters by what the
// caller may see, orders by creation time and id, and presents 100 VMs.
import { timed, type Scenario } from './bench-scenario.js';
import { versusBare, type VersusBareOptions } from './bench-versus-bare.js';

const DEFAULTS: VersusBareOptions & { limit: number } = { vms: 10_000, limit: 100, seconds: 10, rounds: 5, connections: 8 };

export const v2List: Scenario<VersusBareOptions & { limit: number }> = {
  name: 'v2-list',
  title: 'GET /api/v2/clouds/{cloud}/vms?limit=100 (10,000 VMs) vs a bare Express app serving the same page',
  smoke: { vms: 50, limit: 10, seconds: 1, rounds: 1, connections: 2 },
  run: (options = {}) => timed(v2List, () => run({ ...DEFAULTS, ...options })),
};

async function run(o: VersusBareOptions & { limit: number }) {
  const result = await versusBare(o, {
    url: `/api/v2/clouds/bench/vms?limit=${o.limit}`,
    goal: 0.8,
    check: (body) => {
      if (body?.items?.length !== o.limit || typeof body.next !== 'string') throw new Error(`v2-list: expected a first page of ${o.limit} VMs with a next cursor, got ${body?.items?.length}`);
    },
  });
  result.notes.splice(1, 0, `Dispatcher work per request: token check, one listVms of ${o.vms} VMs on the fake, visibility filter, the first ${o.limit} by (createdAt, id), presented, a next cursor.`);
  return result;
}
