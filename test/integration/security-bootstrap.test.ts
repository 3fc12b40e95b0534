// Issue 14, the bootstrap admin: DISPATCHER_ADMIN_PASSWORD creates the admin when absent and
// resets a different password (revoking its tokens), but never re-enables or re-promotes an
// account an operator disabled or demoted — that is logged and audited instead.
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { buildConfig } from '../../src/config/config-loader.js';
import { composeDispatcher, type Dispatcher } from '../../src/compose.js';
import { createLogger } from '../../src/log/log-factory.js';
import { AuditStore } from '../../src/store/audit-store.js';
import { ADMIN, startTestApp } from '../support/app-harness.js';
import { account } from '../support/security-fixtures.js';
import { secretOptionsOf } from '../../src/drivers/driver-plugin.js';
import { DRIVERS } from '../../src/drivers/driver-registry.js';

const dirs: string[] = [];
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
function tempDatabase(): string {
  const dir = mkdtempSync(join(tmpdir(), 'dispatcher-bootstrap-'));
  dirs.push(dir);
  return `sqlite:${join(dir, 'd.sqlite')}`;
}

/** A start on an existing store with the bootstrap settings given; the log lines it wrote. */
async function restart(databaseUrl: string, adminPassword: string): Promise<{ dispatcher: Dispatcher; log: () => string }> {
  const sink = new PassThrough();
  let log = '';
  sink.on('data', (chunk) => (log += chunk));
  const config = buildConfig({ database: { url: databaseUrl }, auth: { adminUser: ADMIN.username, adminPassword }, clouds: [{ name: 'default', driver: 'fake', default: true }] }, DRIVERS);
  return { dispatcher: await composeDispatcher(config, createLogger('warn', { destination: sink, secretOptions: secretOptionsOf(DRIVERS) }), { drivers: DRIVERS }), log: () => log };
}

async function auditActions(dispatcher: Dispatcher): Promise<string[]> {
  return (await new AuditStore(dispatcher.services.store.db).page({ limit: 50 })).map((e) => `${e.action} ${e.target}`);
}

describe('security: the bootstrap admin', () => {
  it('does not re-enable a disabled bootstrap admin, and says so in the log and the audit log', async () => {
    const databaseUrl = tempDatabase();
    const app = await startTestApp({ databaseUrl });
    try {
      const second = await account(app, 'root2', 'admin');
      assert.equal((await second.request('PATCH', '/api/v2/admin/users/admin', { active: false })).status, 200);
    } finally {
      await app.close();
    }
    const { dispatcher, log } = await restart(databaseUrl, ADMIN.password);
    try {
      const admin = await dispatcher.services.users.findByName('admin');
      assert.equal(admin?.active, false, 'still disabled');
      await assert.rejects(dispatcher.services.auth.login(ADMIN.username, ADMIN.password), /Forbidden/);
      assert.match(log(), /is disabled; DISPATCHER_ADMIN_PASSWORD does not re-enable it/);
      assert.ok((await auditActions(dispatcher)).includes('bootstrap.refused admin'));
    } finally {
      await dispatcher.close();
    }
  });

  it('does not re-promote a demoted bootstrap admin', async () => {
    const databaseUrl = tempDatabase();
    const app = await startTestApp({ databaseUrl });
    try {
      const second = await account(app, 'root2', 'admin');
      assert.equal((await second.request('PATCH', '/api/v2/admin/users/admin', { role: 'user' })).status, 200);
    } finally {
      await app.close();
    }
    const { dispatcher, log } = await restart(databaseUrl, ADMIN.password);
    try {
      assert.equal((await dispatcher.services.users.findByName('admin'))?.role, 'user');
      assert.match(log(), /does not promote it/);
    } finally {
      await dispatcher.close();
    }
  });

  it('a rotated password revokes the tokens issued under the old one; an unchanged one keeps them', async () => {
    const databaseUrl = tempDatabase();
    const app = await startTestApp({ databaseUrl });
    const oldToken = app.token;
    await app.close();
    const same = await restart(databaseUrl, ADMIN.password);
    try {
      assert.ok(await same.dispatcher.services.auth.authenticate(oldToken), 'same password: the token still works');
    } finally {
      await same.dispatcher.close();
    }
    const rotated = await restart(databaseUrl, 'a-brand-new-password');
    try {
      assert.equal(await rotated.dispatcher.services.auth.authenticate(oldToken), undefined, 'the old token is revoked');
      await assert.rejects(rotated.dispatcher.services.auth.login(ADMIN.username, ADMIN.password));
      assert.ok((await rotated.dispatcher.services.auth.login(ADMIN.username, 'a-brand-new-password')).token);
      assert.ok((await auditActions(rotated.dispatcher)).includes('bootstrap.password-reset admin'));
      assert.match(rotated.log(), /password reset from the configuration; its tokens were revoked/);
    } finally {
      await rotated.dispatcher.close();
    }
  });
});
