// The whole dispatcher with `cistern.url` pointed at a fresh Cistern double: what the HTTP-API
// tests of assign/release/status through Cistern start from.
import { randomUUID } from 'node:crypto';
import { startTestApp, type TestApp, type TestAppOptions } from '../app-harness.js';
import { startCisternDouble, type CisternDouble, type CisternRecord } from './cistern-double.js';

export const CISTERN_TOKEN = 'cistern-token-for-tests';

export interface CisternApp {
  app: TestApp;
  double: CisternDouble;
  /** Starts a VM on `cloud` through v1 and tells the double about it (Cistern learns of VMs by itself). */
  trackedVm(cloud?: string): Promise<{ id: string; name: string; record: CisternRecord }>;
  close(): Promise<void>;
}

export async function startCisternApp(options: { timeoutMs?: number } & TestAppOptions = {}): Promise<CisternApp> {
  const double = await startCisternDouble({ token: CISTERN_TOKEN });
  let app: TestApp;
  try {
    app = await startTestApp({
      ...options,
      config: { ...options.config, cistern: { url: double.url, timeoutMs: options.timeoutMs ?? 500, token: CISTERN_TOKEN } },
    });
  } catch (err) {
    await double.close();
    throw err;
  }
  return {
    app,
    double,
    async trackedVm(cloud = 'default') {
      const name = `vm-${randomUUID().slice(0, 8)}`;
      const started = await app.request('POST', `/api/v1/vm/start/${cloud}`, { name, image: 'img-ubuntu-24', size: 'small' });
      if (started.status !== 200) throw new Error(`start failed: ${started.status} ${JSON.stringify(started.body)}`);
      const node = started.body.nodes as { id: string; name: string };
      const canonical = app.dispatcher.services.pool.resolve(cloud).name;
      const [record] = double.seed(canonical, [{ id_vm: node.id, hostname: node.name, recipe: 'worker' }]);
      return { id: node.id, name: node.name, record };
    },
    async close() {
      await app.close();
      await double.close();
    },
  };
}
