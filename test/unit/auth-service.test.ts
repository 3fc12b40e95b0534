import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { hashPassword, hashToken, verifyPassword } from '../../src/services/auth-service.js';

describe('password and token hashing', () => {
  it('stores scrypt hashes with a per-user salt and verifies only the right password', async () => {
    const a = await hashPassword('correct horse');
    const b = await hashPassword('correct horse');
    assert.match(a, /^scrypt\$16384\$8\$1\$/);
    assert.notEqual(a, b, 'salted');
    assert.ok(!a.includes('correct horse'));
    assert.equal(await verifyPassword('correct horse', a), true);
    assert.equal(await verifyPassword('correct horsf', a), false);
    assert.equal(await verifyPassword('x', 'plain-text'), false);
  });

  it('hashes tokens one way', () => {
    assert.equal(hashToken('t').length, 64);
    assert.notEqual(hashToken('t'), hashToken('u'));
  });
});
