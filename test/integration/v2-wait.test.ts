// ?wait=true is bounded by v2.waitTimeoutMs: past it the answer is the 202 operation, not an error.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { FAST_FAKE, startTestApp, type TestApp } from '../support/app-harness.js';
import { waitFor } from '../support/wait-for.js';

describe('v2 ?wait=true bound', () => {
  let app: TestApp;
  before(async () => {
    app = await startTestApp({
      config: { v2: { waitTimeoutMs: 100 } },
      clouds: [{ name: 'default', driver: 'fake', default: true, options: { ...FAST_FAKE, latencyMs: 300 } }],
    });
  });
  after(() => app?.close());

  it('answers 202 with the running operation when the work outlasts the bound, and the work still ends', async () => {
    const started = Date.now();
    const response = await app.request('POST', '/api/v2/clouds/default/vms?wait=true', { name: 'slow-1', image: 'ubuntu-24.04', size: 'm1.small' });
    assert.equal(response.status, 202, JSON.stringify(response.body));
    assert.ok(Date.now() - started < 600, 'did not wait for the whole start');
    assert.ok(['queued', 'running'].includes(response.body.state));
    const location = response.headers.get('location');
    assert.ok(location);
    const done = await waitFor('succeeded', async () => {
      const op = await app.request('GET', location);
      return op.body.state === 'succeeded' ? op.body : null;
    });
    assert.equal(done.result.name, 'slow-1');
  });
});
