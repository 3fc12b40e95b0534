// Admin over HTTP, accounts and per-user limits: create, list, role, disable, password reset,
// token revocation, the last admin kept; the limit of assigned VMs in v1 and v2 assigns.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { assertProblem, assign, bearer, login, startVm, userToken } from '../support/admin-fixtures.js';
import { startTestApp, type TestApp } from '../support/app-harness.js';

describe('admin: users', () => {
  let app: TestApp;

  before(async () => {
    app = await startTestApp();
  });
  after(() => app?.close());

  it('creates and lists accounts (never a hash), refuses a duplicate and a short password', async () => {
    await userToken(app, 'dora');
    const list = (await app.request('GET', '/api/v2/admin/users')).body.items;
    assert.deepEqual(
      list.map((u: { username: string; role: string; active: boolean }) => [u.username, u.role, u.active]),
      [['admin', 'admin', true], ['dora', 'user', true]],
    );
    assert.equal(JSON.stringify(list).includes('scrypt'), false);
    assertProblem(await app.request('POST', '/api/v2/admin/users', { username: 'dora', password: 'long-enough-1' }), 409);
    assertProblem(await app.request('POST', '/api/v2/admin/users', { username: 'eve', password: 'short' }), 400);
    assertProblem(await app.request('GET', '/api/v2/admin/users/nobody'), 404);
  });

  it('promotes a user to admin (effective on the next request) and demotes them again', async () => {
    const token = await userToken(app, 'frank');
    assertProblem(await app.request('GET', '/api/v2/admin/users', undefined, bearer(token)), 403);
    assert.equal((await app.request('PATCH', '/api/v2/admin/users/frank', { role: 'admin' })).body.role, 'admin');
    assert.equal((await app.request('GET', '/api/v2/admin/users', undefined, bearer(token))).status, 200);
    await app.request('PATCH', '/api/v2/admin/users/frank', { role: 'user' });
    assertProblem(await app.request('GET', '/api/v2/admin/users', undefined, bearer(token)), 403);
  });

  it('disables an account: its tokens stop working and it cannot log in; enabling does not revive old tokens', async () => {
    const token = await userToken(app, 'gina');
    assert.equal((await app.request('GET', '/api/v2/status', undefined, bearer(token))).status, 200);
    assert.equal((await app.request('PATCH', '/api/v2/admin/users/gina', { active: false })).body.active, false);
    assertProblem(await app.request('GET', '/api/v2/status', undefined, bearer(token)), 401);
    assert.equal((await app.request('POST', '/api/v1/auth', { username: 'gina', password: 'gina-password' }, { authorization: '' })).status, 403);
    await app.request('PATCH', '/api/v2/admin/users/gina', { active: true });
    assertProblem(await app.request('GET', '/api/v2/status', undefined, bearer(token)), 401);
    await login(app, 'gina', 'gina-password');
  });

  it('resets a password (revoking the tokens) and revokes all tokens on demand', async () => {
    const token = await userToken(app, 'hank');
    const second = await login(app, 'hank', 'hank-password');
    const reset = await app.request('PUT', '/api/v2/admin/users/hank/password', { password: 'a-brand-new-one' });
    assert.deepEqual(reset.body, { revokedTokens: 2 });
    for (const old of [token, second]) assertProblem(await app.request('GET', '/api/v2/status', undefined, bearer(old)), 401);
    assert.equal((await app.request('POST', '/api/v1/auth', { username: 'hank', password: 'hank-password' }, { authorization: '' })).status, 403);
    const fresh = await login(app, 'hank', 'a-brand-new-one');
    assert.deepEqual((await app.request('DELETE', '/api/v2/admin/users/hank/tokens')).body, { revokedTokens: 1 });
    assertProblem(await app.request('GET', '/api/v2/status', undefined, bearer(fresh)), 401);
  });

  it('keeps the last active admin: neither disabled nor demoted', async () => {
    assertProblem(await app.request('PATCH', '/api/v2/admin/users/admin', { active: false }), 409, 'LastAdmin');
    assertProblem(await app.request('PATCH', '/api/v2/admin/users/admin', { role: 'user' }), 409, 'LastAdmin');
    await app.request('PATCH', '/api/v2/admin/users/frank', { role: 'admin' });
    assert.equal((await app.request('PATCH', '/api/v2/admin/users/frank', { active: false })).status, 200, 'another admin may go');
  });
});

describe('admin: per-user limits of assigned VMs', () => {
  let app: TestApp;

  before(async () => {
    app = await startTestApp();
  });
  after(() => app?.close());

  it('refuses an assign beyond the limit with 409 quota in v1 and v2, over every cloud; other users are not limited', async () => {
    const set = await app.request('PUT', '/api/v2/admin/user-limits/alice', { maxAssigned: 2 });
    assert.deepEqual([set.body.user, set.body.maxAssigned, set.body.held], ['alice', 2, 0]);
    const a = await startVm(app, 'lim-a');
    const b = await startVm(app, 'lim-b', { cloud: 'fake-east' });
    const c = await startVm(app, 'lim-c');
    assert.equal((await assign(app, a.name, 'alice')).status, 200);
    assert.equal((await assign(app, b.name, 'alice', 'fake-east')).status, 200);
    const v1 = await assign(app, c.name, 'alice');
    assert.equal(v1.status, 409);
    assert.match(v1.body.message, /user alice already holds 2 VMs \(limit 2\)/);
    assertProblem(await app.request('POST', '/api/v2/assignments', { cloud: 'default', vm: c.id, user: 'alice', vmType: 'w' }), 409, 'UserLimitReached');
    const limits = (await app.request('GET', '/api/v2/admin/user-limits')).body.items;
    assert.equal(limits[0].held, 2);
    assert.equal((await assign(app, c.name, 'bob')).status, 200, 'bob has no limit');

    assert.equal((await app.request('PUT', '/api/v1/vm/action/release', { hostname: a.name })).status, 200);
    const d = await startVm(app, 'lim-d');
    assert.equal((await assign(app, d.name, 'alice')).status, 200, 'room again after a release');
    assert.equal((await app.request('DELETE', '/api/v2/admin/user-limits/alice')).status, 204);
    assertProblem(await app.request('DELETE', '/api/v2/admin/user-limits/alice'), 404);
    assertProblem(await app.request('PUT', '/api/v2/admin/user-limits/alice', { maxAssigned: -1 }), 400);
  });

  it('admits exactly the limit when one user\'s assigns race', async () => {
    await app.request('PUT', '/api/v2/admin/user-limits/racer', { maxAssigned: 2 });
    const vms = [];
    for (let i = 0; i < 5; i++) vms.push(await startVm(app, `race-${i}`));
    const answers = await Promise.all(vms.map((vm) => assign(app, vm.name, 'racer')));
    assert.deepEqual(answers.map((r) => r.status).sort(), [200, 200, 409, 409, 409]);
  });
});
