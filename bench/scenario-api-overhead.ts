// api-overhead: GET /api/v1/nodes on a fake cloud of 1,000 VMs against a bare Express app
// serving the same JSON (bench-versus-bare.ts).
import { timed, type Scenario } from './bench-scenario.js';
import { versusBare, type VersusBareOptions } from './bench-versus-bare.js';

const DEFAULTS: VersusBareOptions = { vms: 1000, seconds: 10, rounds: 5, connections: 8 };

export const apiOverhead: Scenario<VersusBareOptions> = {
  name: 'api-overhead',
  title: 'GET /api/v1/nodes (1,000 VMs) vs a bare Express app serving the same JSON',
  smoke: { vms: 20, seconds: 1, rounds: 1, connections: 2 },
  run: (options = {}) => timed(apiOverhead, () => run({ ...DEFAULTS, ...options })),
};

async function run(o: VersusBareOptions) {
  const result = await versusBare(o, {
    url: '/api/v1/nodes',
    goal: 0.9,
    check: (body) => {
      if (body?.nodes?.length !== o.vms) throw new Error(`api-overhead: expected ${o.vms} nodes, got ${body?.nodes?.length}`);
    },
  });
  result.notes.splice(1, 0, 'Dispatcher work per request: request id and access log, token check, one listVms on the fake, 1,000 v1 nodes presented (SHA-1 uuid each, remembered per VM), JSON.');
  return result;
}
