// Accounts of each role on a test app, each with its own token, and requests made as them.
import type { TestApp } from './app-harness.js';

export interface Account {
  username: string;
  token: string;
  request: TestApp['request'];
}

export async function account(app: TestApp, username: string, role: 'user' | 'operator' | 'admin'): Promise<Account> {
  const password = `${username}-password-123`;
  const created = await app.request('POST', '/api/v2/admin/users', { username, password, role });
  if (created.status !== 201) throw new Error(`cannot create ${username}: ${created.status} ${JSON.stringify(created.body)}`);
  const login = await app.request('POST', '/api/v2/auth/tokens', { username, password }, { authorization: '' });
  if (login.status !== 201) throw new Error(`cannot log in ${username}: ${login.status}`);
  const token = login.body.token as string;
  return { username, token, request: (method, path, body, headers = {}) => app.request(method, path, body, { authorization: `Bearer ${token}`, ...headers }) };
}
