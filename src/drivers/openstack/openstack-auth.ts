// Keystone v3: one token per cloud, reused until shortly before it expires, and one auth request
// in flight however many calls need a token at once (a burst of 50 calls costs one POST, not 50).
import { DispatcherError } from '../../domain/errors.js';
import type { CatalogEntry } from './openstack-catalog.js';
import { identityRoot } from './openstack-catalog.js';
import { openstackError, transportError } from './openstack-errors.js';
import type { HttpClient } from './openstack-http.js';
import type { OpenstackOptions } from './openstack-options.js';

export interface KeystoneToken {
  value: string;
  /** Epoch ms of Keystone's `expires_at`. */
  expiresAt: number;
  /** Epoch ms after which a new token is fetched before using this one again. */
  renewAt: number;
  catalog: CatalogEntry[];
  projectId?: string;
}

type AuthOptions = Pick<
  OpenstackOptions,
  | 'authUrl'
  | 'username'
  | 'userId'
  | 'userDomainName'
  | 'password'
  | 'projectName'
  | 'projectId'
  | 'projectDomainName'
  | 'applicationCredentialId'
  | 'applicationCredentialName'
  | 'applicationCredentialSecret'
  | 'tokenRenewMarginMs'
>;

export class KeystoneAuth {
  readonly identityUrl: string;
  private token?: KeystoneToken;
  private pending?: Promise<KeystoneToken>;
  /** Auth requests sent: lets tests and benchmarks count round trips. */
  authRequests = 0;

  constructor(
    private readonly http: HttpClient,
    private readonly options: AuthOptions,
    private readonly now: () => number = Date.now,
  ) {
    this.identityUrl = identityRoot(options.authUrl);
  }

  /** The cached token, or the one being fetched, or a new one. */
  current(): Promise<KeystoneToken> {
    const token = this.token;
    if (token && this.now() < token.renewAt) return Promise.resolve(token);
    this.pending ??= this.authenticate().finally(() => {
      this.pending = undefined;
    });
    return this.pending;
  }

  /**
   * Forgets the token, or only `value` when given: a 401 that raced a renewal must not throw
   * away the fresh token the other calls already use.
   */
  invalidate(value?: string): void {
    if (value === undefined || this.token?.value === value) this.token = undefined;
  }

  private async authenticate(): Promise<KeystoneToken> {
    const path = '/auth/tokens';
    const context = { service: 'identity', method: 'POST', path };
    this.authRequests++;
    let response;
    try {
      response = await this.http.send({
        method: 'POST',
        url: `${this.identityUrl}${path}`,
        headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
        body: keystoneAuthBody(this.options),
      });
    } catch (err) {
      throw transportError(err, context);
    }
    if (response.status === 401) {
      // A refused password or an expired application credential: renewing again cannot help, and
      // repeating it may lock the account, so this is not 'credentials-expired' (which the pool retries).
      const refused = openstackError(response, context);
      throw new DispatcherError('provider-fault', `Keystone refused the credentials: ${refused.message}`, {
        code: refused.code,
        details: refused.details,
      });
    }
    if (response.status >= 400) throw openstackError(response, context);
    const value = response.headers['x-subject-token'];
    const body = response.body as { token?: { expires_at?: string; catalog?: CatalogEntry[]; project?: { id?: string } } } | undefined;
    const expiresAt = Date.parse(body?.token?.expires_at ?? '');
    if (!value || Number.isNaN(expiresAt)) {
      throw new DispatcherError('provider-fault', 'Keystone answered without X-Subject-Token or expires_at', { code: 'BadTokenResponse' });
    }
    const catalog = body?.token?.catalog;
    if (!Array.isArray(catalog) || catalog.length === 0) {
      throw new DispatcherError('provider-fault', 'Keystone issued a token without a service catalog (is it scoped to a project?)', {
        code: 'NoCatalog',
      });
    }
    const now = this.now();
    const margin = Math.min(this.options.tokenRenewMarginMs, Math.max(0, expiresAt - now) / 2);
    this.token = { value, expiresAt, renewAt: expiresAt - margin, catalog, projectId: body?.token?.project?.id };
    return this.token;
  }
}

/** The body of `POST /v3/auth/tokens` for the configured credentials. */
export function keystoneAuthBody(options: AuthOptions): Record<string, unknown> {
  const user = options.userId ? { id: options.userId } : { name: options.username, domain: { name: options.userDomainName } };
  if (options.applicationCredentialSecret !== undefined) {
    // Application credentials carry their own project scope; Keystone refuses an explicit one.
    const credential = options.applicationCredentialId
      ? { id: options.applicationCredentialId, secret: options.applicationCredentialSecret }
      : { name: options.applicationCredentialName, secret: options.applicationCredentialSecret, user };
    return { auth: { identity: { methods: ['application_credential'], application_credential: credential } } };
  }
  const project = options.projectId ? { id: options.projectId } : { name: options.projectName, domain: { name: options.projectDomainName } };
  return {
    auth: {
      identity: { methods: ['password'], password: { user: { ...user, password: options.password } } },
      scope: { project },
    },
  };
}
