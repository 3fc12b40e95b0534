// One table for answers that never came: EC2, OpenStack and the Cistern client read the same
// socket code the same way (a timeout is a timeout for all three, a refused connection is
// "unavailable" for the clouds and named as such by Cistern's fault).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { transportFault } from '../../src/cistern/cistern-faults.js';
import { ec2Error } from '../../src/drivers/ec2/ec2-errors.js';
import { transportError } from '../../src/drivers/openstack/openstack-errors.js';

const context = { service: 'compute', method: 'GET', path: '/servers' };
const failed = (code: string) => Object.assign(new Error(`request failed: ${code}`), { code });

describe('transport faults', () => {
  const cases: Array<[string, 'timeout' | 'unavailable' | 'provider-fault', RegExp]> = [
    ['ETIMEDOUT', 'timeout', /did not answer within 250 ms/],
    ['ECONNABORTED', 'timeout', /did not answer within 250 ms/],
    ['ESOCKETTIMEDOUT', 'timeout', /did not answer within 250 ms/],
    ['ECONNREFUSED', 'unavailable', /connection refused/],
    ['ECONNRESET', 'unavailable', /connection reset/],
    ['EPIPE', 'unavailable', /connection reset/],
    ['ENOTFOUND', 'unavailable', /host not found/],
    ['EAI_AGAIN', 'unavailable', /host name lookup failed/],
    ['EHOSTUNREACH', 'unavailable', /host unreachable/],
    ['ENETUNREACH', 'unavailable', /network unreachable/],
    ['ERR_FR_TOO_MANY_REDIRECTS', 'provider-fault', /redirected too many times/],
  ];
  for (const [code, kind, words] of cases) {
    it(`${code}: ${kind} for both clouds, and said so by the Cistern client`, () => {
      const ec2 = ec2Error(failed(code));
      assert.deepEqual([ec2.kind, ec2.code], [kind, code]);
      const openstack = transportError(failed(code), context);
      assert.deepEqual([openstack.kind, openstack.code], [kind, code]);
      const cistern = transportFault('cistern.example:80', failed(code), 250);
      assert.equal(cistern.kind, 'tracker-fault');
      assert.match(cistern.message, words);
    });
  }

  it('an unknown code is no transport fault: a programming error for EC2, a provider fault for OpenStack', () => {
    assert.equal(ec2Error(failed('EWEIRD')).kind, 'internal');
    assert.equal(transportError(failed('EWEIRD'), context).kind, 'provider-fault');
    assert.match(transportFault('cistern.example:80', failed('EWEIRD'), 250).message, /request failed \(EWEIRD\)/);
  });
});
