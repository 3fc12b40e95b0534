// The EC2 error map: each provider code → kind and HTTP status, keyed on the code, never the text.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EC2ServiceException } from '@aws-sdk/client-ec2';
import { DispatcherError } from '../../src/domain/errors.js';
import { ec2Error } from '../../src/drivers/ec2/ec2-errors.js';

/** What the SDK throws for an EC2 error answer: EC2 has no modelled errors, the code is `name`. */
function sdkError(code: string, status: number, message = 'some words AWS may change tomorrow'): EC2ServiceException {
  return new EC2ServiceException({ name: code, $fault: status >= 500 ? 'server' : 'client', $metadata: { httpStatusCode: status, requestId: 'req-1', attempts: 1 }, message });
}

const TABLE: [code: string, status: number, kind: string, httpStatus: number, subject?: string][] = [
  ['InvalidInstanceID.NotFound', 400, 'not-found', 404, 'vm'],
  ['InvalidInstanceID.Malformed', 400, 'bad-request', 400, 'vm'],
  ['InvalidAMIID.NotFound', 400, 'bad-request', 400, 'image'],
  ['InvalidAMIID.Malformed', 400, 'bad-request', 400, 'image'],
  ['InvalidAMIID.Unavailable', 400, 'bad-request', 400, 'image'],
  ['InvalidKeyPair.NotFound', 400, 'bad-request', 400, 'keypair'],
  ['InvalidParameterValue', 400, 'bad-request', 400],
  ['IncorrectInstanceState', 400, 'conflict', 409, 'vm'],
  ['IdempotentParameterMismatch', 400, 'conflict', 409],
  ['InsufficientInstanceCapacity', 500, 'unavailable', 503],
  ['RequestLimitExceeded', 503, 'throttled', 503],
  ['Unavailable', 503, 'unavailable', 503],
  ['InstanceLimitExceeded', 400, 'quota', 409],
  ['VcpuLimitExceeded', 400, 'quota', 409],
  ['AuthFailure', 401, 'provider-fault', 502],
  ['UnauthorizedOperation', 403, 'provider-fault', 502],
  ['RequestExpired', 400, 'credentials-expired', 502],
  ['ExpiredToken', 400, 'credentials-expired', 502],
  ['InternalError', 500, 'provider-fault', 502],
  ['InvalidSubnetID.NotFound', 400, 'provider-fault', 502],
];

describe('ec2 error map', () => {
  for (const [code, status, kind, httpStatus, subject] of TABLE) {
    it(`${code} (HTTP ${status}) → ${kind} ${httpStatus}`, () => {
      const err = ec2Error(sdkError(code, status));
      assert.ok(err instanceof DispatcherError);
      assert.equal(err.kind, kind);
      assert.equal(err.status, httpStatus);
      assert.equal(err.code, code, 'the provider code is kept');
      assert.equal(err.subject, subject);
      assert.match(err.message, /some words AWS may change tomorrow/, 'the provider message is passed on');
      assert.equal(err.details?.requestId, 'req-1');
    });
  }

  it('keys on the code, never on the message text', () => {
    const misleading = ec2Error(sdkError('AuthFailure', 401, 'RequestLimitExceeded InvalidInstanceID.NotFound timeout'));
    assert.equal(misleading.kind, 'provider-fault');
    assert.equal(ec2Error(sdkError('RequestLimitExceeded', 503, 'AuthFailure')).kind, 'throttled');
    const plain = ec2Error(new Error('InvalidInstanceID.NotFound: The instance ID does not exist'));
    assert.equal(plain.kind, 'internal', 'a message alone does not make a not-found');
  });

  it('a quota error names the limit that was reached', () => {
    const vcpu = ec2Error(sdkError('VcpuLimitExceeded', 400));
    assert.equal(vcpu.kind, 'quota');
    assert.match(vcpu.message, /vCPUs.*VcpuLimitExceeded/);
    assert.equal(vcpu.details?.limit, 'vCPUs of running instances of the account');
    const instances = ec2Error(sdkError('InstanceLimitExceeded', 400));
    assert.match(instances.message, /running instances/);
    assert.notEqual(instances.details?.limit, vcpu.details?.limit);
  });

  it('falls back on the HTTP status for codes it does not know', () => {
    assert.equal(ec2Error(sdkError('SomethingNew', 503)).kind, 'unavailable');
    assert.equal(ec2Error(sdkError('SomethingNew', 504)).kind, 'timeout');
    assert.equal(ec2Error(sdkError('SomethingNew', 500)).kind, 'provider-fault');
    const refused = ec2Error(sdkError('SomethingNew', 400));
    assert.equal(refused.kind, 'provider-fault', 'an unknown refusal is the cloud’s answer, not the client’s mistake');
    assert.equal(refused.code, 'SomethingNew');
  });

  it('names an answer without an EC2 error document after its HTTP status', () => {
    const err = ec2Error(sdkError('Unknown', 502, 'Unknown'));
    assert.equal(err.kind, 'provider-fault');
    assert.equal(err.code, 'HTTP 502');
  });

  it('maps the SDK request timeout and socket errors', () => {
    const timeout = ec2Error(Object.assign(new Error('request exceeded 150 ms'), { name: 'TimeoutError', code: 'ETIMEDOUT' }));
    assert.deepEqual([timeout.kind, timeout.status, timeout.code], ['timeout', 504, 'TimeoutError']);
    const reset = ec2Error(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }));
    assert.deepEqual([reset.kind, reset.status, reset.code], ['unavailable', 503, 'ECONNRESET']);
    const refused = ec2Error(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }));
    assert.equal(refused.kind, 'unavailable');
  });

  it('passes a DispatcherError through and keeps programming errors internal', () => {
    const typed = new DispatcherError('conflict', 'already');
    assert.equal(ec2Error(typed), typed);
    const bug = ec2Error(new TypeError('x is undefined'));
    assert.equal(bug.kind, 'internal');
    assert.equal(bug.code, undefined);
  });
});
