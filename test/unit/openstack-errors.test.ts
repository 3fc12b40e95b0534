// The OpenStack error map: each service's body shape, the kind by status and code, Retry-After,
// and answers that never came.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { errorKind, openstackError, parseErrorBody, retryAfterMs, transportError } from '../../src/drivers/openstack/openstack-errors.js';

const context = { service: 'compute', method: 'GET', path: '/servers/x', subject: 'vm' as const };
const answer = (status: number, body: unknown, headers: Record<string, string> = {}) => openstackError({ status, body, headers }, context, 0);

describe('openstack error bodies', () => {
  it('reads Nova wrapper keys, Neutron types, Glance flat bodies and Keystone errors', () => {
    assert.deepEqual(parseErrorBody({ itemNotFound: { code: 404, message: 'Instance x could not be found.' } }), {
      code: 'itemNotFound',
      message: 'Instance x could not be found.',
    });
    assert.deepEqual(parseErrorBody({ NeutronError: { type: 'SecurityGroupRuleExists', message: 'exists', detail: '' } }), {
      code: 'SecurityGroupRuleExists',
      message: 'exists',
    });
    assert.deepEqual(parseErrorBody({ message: 'No image found with ID x<br /><br />\n\n\n', code: '404 Not Found', title: 'Not Found' }), {
      code: '404 Not Found',
      message: 'No image found with ID x',
    });
    assert.deepEqual(parseErrorBody({ error: { code: 401, title: 'Unauthorized', message: 'The request you have made requires authentication.' } }), {
      code: 'Unauthorized',
      message: 'The request you have made requires authentication.',
    });
    assert.deepEqual(parseErrorBody('<html><body><h1>503 Service Unavailable</h1></body></html>'), { message: '503 Service Unavailable' });
    assert.deepEqual(parseErrorBody(undefined), {});
  });
});

describe('openstack error kinds', () => {
  const table: [number, string | undefined, boolean, string][] = [
    [400, 'badRequest', false, 'bad-request'],
    [401, 'Unauthorized', false, 'credentials-expired'],
    [403, 'forbidden', false, 'forbidden'],
    [403, 'overLimit', false, 'quota'],
    [413, 'overLimit', false, 'quota'],
    [413, 'overLimit', true, 'throttled'],
    [413, undefined, false, 'quota'],
    [409, 'OverQuota', false, 'quota'],
    [404, 'itemNotFound', false, 'not-found'],
    [404, '404 Not Found', false, 'not-found'],
    [409, 'conflictingRequest', false, 'conflict'],
    [409, 'SecurityGroupRuleExists', false, 'conflict'],
    [406, 'computeFault', false, 'provider-fault'],
    [429, undefined, false, 'throttled'],
    [503, undefined, true, 'throttled'],
    [500, 'computeFault', false, 'provider-fault'],
    [502, undefined, false, 'provider-fault'],
    [504, undefined, false, 'provider-fault'],
    [501, 'notImplemented', false, 'not-implemented'],
    [422, undefined, false, 'unprocessable'],
    [418, undefined, false, 'bad-request'],
  ];
  for (const [status, code, retryAfter, kind] of table) {
    it(`${status} ${code ?? '(no code)'}${retryAfter ? ' + Retry-After' : ''} → ${kind}`, () => {
      assert.equal(errorKind(status, code, retryAfter), kind);
    });
  }

  it('keys on the code, not on the message: a quota-sounding forbidden stays forbidden', () => {
    assert.equal(answer(403, { forbidden: { code: 403, message: 'Quota exceeded for instances' } }).kind, 'forbidden');
  });
});

describe('openstack errors as DispatcherErrors', () => {
  it('always sets a code, the subject of a not-found, and the request id', () => {
    const err = answer(404, { itemNotFound: { code: 404, message: 'gone' } }, { 'x-openstack-request-id': 'req-1' });
    assert.equal(err.kind, 'not-found');
    assert.equal(err.code, 'itemNotFound');
    assert.equal(err.subject, 'vm');
    assert.equal(err.details?.requestId, 'req-1');
    assert.match(err.message, /compute GET \/servers\/x: 404 itemNotFound: gone/);
    assert.equal(answer(502, 'Bad Gateway').code, 'HTTP502');
  });

  it('carries Retry-After into a throttled error', () => {
    const err = answer(429, 'slow down', { 'retry-after': '3' });
    assert.equal(err.kind, 'throttled');
    assert.equal(err.retryAfterMs, 3000);
    assert.equal(err.status, 503);
  });

  it('reads Retry-After as seconds or an HTTP date, ignores garbage', () => {
    assert.equal(retryAfterMs('2'), 2000);
    assert.equal(retryAfterMs('0'), 0);
    assert.equal(retryAfterMs('Thu, 01 Jan 1970 00:00:05 GMT', 1000), 4000);
    assert.equal(retryAfterMs('Thu, 01 Jan 1970 00:00:05 GMT', 9000), 0);
    assert.equal(retryAfterMs('soon'), undefined);
    assert.equal(retryAfterMs(undefined), undefined);
  });

  it('maps answers that never came: timeouts, refused or reset connections', () => {
    const code = (c: string) => Object.assign(new Error(c), { code: c });
    assert.equal(transportError(code('ECONNABORTED'), context).kind, 'timeout');
    assert.equal(transportError(code('ETIMEDOUT'), context).kind, 'timeout');
    assert.equal(transportError(code('ECONNREFUSED'), context).kind, 'unavailable');
    assert.equal(transportError(code('ECONNRESET'), context).kind, 'unavailable');
    assert.equal(transportError(code('ENOTFOUND'), context).code, 'ENOTFOUND');
    const odd = transportError(new Error('weird'), context);
    assert.equal(odd.kind, 'provider-fault');
    assert.equal(odd.code, 'TransportError');
  });
});
