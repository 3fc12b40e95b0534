// Small helpers the admin and status tests share: start a tracked VM, make a non-admin user and
// log in as them, check a problem+json answer.
import assert from 'node:assert/strict';
import type { TestApp } from './app-harness.js';

export async function startVm(app: TestApp, name: string, options: { cloud?: string; image?: string } = {}): Promise<{ id: string; name: string }> {
  const path = options.cloud ? `/api/v1/vm/start/${encodeURIComponent(options.cloud)}` : '/api/v1/vm/start';
  const res = await app.request('POST', path, { name, image: options.image ?? 'img-ubuntu-24', size: 'small' });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return { id: res.body.nodes.id, name: res.body.nodes.name };
}

export async function assign(app: TestApp, hostname: string, user: string, cloud?: string) {
  const path = cloud ? `/api/v1/vm/action/assign/${encodeURIComponent(cloud)}` : '/api/v1/vm/action/assign';
  return app.request('PUT', path, { hostname, user, vm_type: 'worker' });
}

export async function trackerRecords(app: TestApp, cloud = 'default'): Promise<Array<{ id_vm: string; hostname: string; status_desc: string; user: string }>> {
  return app.dispatcher.services.tracker.listNodes(cloud, true);
}

/** Creates a user through the admin API and answers a token of theirs (logged in with POST /api/v1/auth). */
export async function userToken(app: TestApp, username: string, role: 'admin' | 'user' = 'user', password = `${username}-password`): Promise<string> {
  const created = await app.request('POST', '/api/v2/admin/users', { username, password, role });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  return login(app, username, password);
}

export async function login(app: TestApp, username: string, password: string): Promise<string> {
  const res = await app.request('POST', '/api/v1/auth', { username, password }, { authorization: '' });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body.token as string;
}

export function bearer(token: string): Record<string, string> {
  return { authorization: `Bearer ${token}` };
}

/** Asserts a v2 problem+json answer with this status (and code, when given). */
export function assertProblem(res: { status: number; body: any; headers: Headers }, status: number, code?: string): void {
  const what = `${res.status} ${JSON.stringify(res.body)}`;
  assert.equal(res.status, status, what);
  assert.match(res.headers.get('content-type') ?? '', /application\/problem\+json/, what);
  assert.equal(res.body.status, status, what);
  if (code) assert.equal(res.body.code, code, what);
}
