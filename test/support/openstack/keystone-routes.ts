// Keystone v3 of the test server: password and application-credential auth, tokens in the
// X-Subject-Token header with an expires_at, a catalog pointing back at the server, projects.
import { randomBytes } from 'node:crypto';
import { fixture, keystoneUnauthorized, reply, type Route } from './openstack-route-kit.js';

export const TEST_CLOUD = {
  username: 'demo',
  userId: 'fd786d56402c4d1691372e7dee0d00b5',
  password: 'secret',
  domain: 'Default',
  projectName: 'demo',
  projectId: '231c62fb0fbd485b995e8b060c3f0d98',
  otherProjectId: '456789aa000000000000000000000001',
  applicationCredentialId: '423f19a4ac1e4f48bbb4180756e6eb6c',
  applicationCredentialName: 'monitoring',
  applicationCredentialSecret: 'rEaqvJka48mpv',
} as const;

export interface CatalogShape {
  /** List Glance / Neutron in the catalog at all. */
  image: boolean;
  network: boolean;
  /** Image and network URLs already carrying /v2 and /v2.0 (some deployments do). */
  versionedSuffixes: boolean;
  /** Compute URL followed by the project id, as many deployments register it. */
  computeProjectId: boolean;
}

export class KeystoneState {
  readonly tokens = new Map<string, { expiresAt: number; projectId: string }>();

  constructor(private readonly ttlMs: () => number) {}

  issue(): { token: string; expiresAt: number } {
    const token = `gAAAA${randomBytes(24).toString('base64url')}`;
    const expiresAt = Date.now() + this.ttlMs();
    this.tokens.set(token, { expiresAt, projectId: TEST_CLOUD.projectId });
    return { token, expiresAt };
  }

  /** The token's project, or undefined when the token is unknown, revoked or expired. */
  validate(token: string | undefined): string | undefined {
    const entry = token === undefined ? undefined : this.tokens.get(token);
    return entry && Date.now() < entry.expiresAt ? entry.projectId : undefined;
  }

  /** As after a Keystone key rotation: every token handed out so far stops working. */
  revokeAll(): void {
    this.tokens.clear();
  }
}

export function keystoneRoutes(state: KeystoneState, baseUrl: () => string, deadUrl: () => string, shape: () => CatalogShape): Route[] {
  return [
    {
      method: 'POST',
      pattern: /^\/auth\/tokens$/,
      label: 'POST /identity/v3/auth/tokens',
      open: true,
      handle: ({ body }) => {
        const method = acceptedMethod(body);
        if (!method) return keystoneUnauthorized();
        const { token, expiresAt } = state.issue();
        const template = method === 'password' ? 'auth-password-project-scoped-response.json' : 'auth-application-credential-response.json';
        const sample = fixture<{ token: Record<string, unknown> }>(`keystone/${template}`);
        // Keystone writes microseconds: 2015-11-07T02:58:43.578887Z.
        sample.token.expires_at = new Date(expiresAt).toISOString().replace('Z', '000Z');
        sample.token.issued_at = new Date().toISOString().replace('Z', '000Z');
        sample.token.project = { domain: { id: 'default', name: TEST_CLOUD.domain }, id: TEST_CLOUD.projectId, name: TEST_CLOUD.projectName };
        sample.token.catalog = catalog(baseUrl(), deadUrl(), shape());
        return reply(201, sample, { 'X-Subject-Token': token });
      },
    },
    {
      method: 'GET',
      pattern: /^\/auth\/projects$/,
      label: 'GET /identity/v3/auth/projects',
      handle: () => {
        const sample = fixture<{ projects: Record<string, unknown>[] }>('keystone/user-projects-list-response.json');
        sample.projects[0] = { ...sample.projects[0], id: TEST_CLOUD.projectId, name: TEST_CLOUD.projectName, domain_id: 'default' };
        return reply(200, sample);
      },
    },
  ];
}

/** The auth method when the body carries credentials the test cloud accepts. */
function acceptedMethod(body: unknown): 'password' | 'application_credential' | undefined {
  const identity = (body as { auth?: { identity?: Record<string, unknown>; scope?: unknown } })?.auth?.identity;
  const scope = (body as { auth?: { scope?: { project?: { id?: string; name?: string; domain?: { name?: string } } } } }).auth?.scope;
  if (!identity) return undefined;
  const methods = identity.methods as string[] | undefined;
  if (methods?.[0] === 'password') {
    const user = (identity.password as { user?: { id?: string; name?: string; password?: string; domain?: { name?: string } } })?.user;
    const userOk = user?.id === TEST_CLOUD.userId || (user?.name === TEST_CLOUD.username && user?.domain?.name === TEST_CLOUD.domain);
    const project = scope?.project;
    const projectOk = project?.id === TEST_CLOUD.projectId || (project?.name === TEST_CLOUD.projectName && project?.domain?.name === TEST_CLOUD.domain);
    return userOk && user?.password === TEST_CLOUD.password && projectOk ? 'password' : undefined;
  }
  if (methods?.[0] === 'application_credential') {
    // Keystone refuses an explicit scope with an application credential.
    if (scope !== undefined) return undefined;
    const credential = identity.application_credential as { id?: string; name?: string; secret?: string; user?: { id?: string; name?: string } };
    if (credential?.secret !== TEST_CLOUD.applicationCredentialSecret) return undefined;
    if (credential.id === TEST_CLOUD.applicationCredentialId) return 'application_credential';
    const userOk = credential.user?.id === TEST_CLOUD.userId || credential.user?.name === TEST_CLOUD.username;
    return credential.name === TEST_CLOUD.applicationCredentialName && userOk ? 'application_credential' : undefined;
  }
  return undefined;
}

/** The catalog: RegionOne public endpoints are this server; internal ones and RegionTwo lead nowhere. */
function catalog(base: string, dead: string, shape: CatalogShape): unknown[] {
  const services: [string, string, string][] = [
    ['identity', 'keystone', '/identity/v3'],
    ['compute', 'nova', shape.computeProjectId ? `/compute/v2.1/${TEST_CLOUD.projectId}` : '/compute/v2.1'],
  ];
  if (shape.image) services.push(['image', 'glance', shape.versionedSuffixes ? '/image/v2' : '/image']);
  if (shape.network) services.push(['network', 'neutron', shape.versionedSuffixes ? '/network/v2.0' : '/network']);
  return services.map(([type, name, path], i) => ({
    id: `${i}`.padStart(32, '0'),
    type,
    name,
    endpoints: [
      endpoint('RegionTwo', 'public', `${dead}${path}`),
      endpoint('RegionOne', 'internal', `${dead}${path}`),
      endpoint('RegionOne', 'public', `${base}${path}`),
    ],
  }));
}

function endpoint(region: string, iface: string, url: string) {
  return { id: randomBytes(16).toString('hex'), interface: iface, region, region_id: region, url };
}
