// The `options` of an `openstack` cloud. Secrets may also be given as `passwordFile` /
// `applicationCredentialSecretFile`: the config loader reads those before this schema runs.
import Joi from 'joi';

export type EndpointInterface = 'public' | 'internal' | 'admin';

export interface OpenstackOptions {
  /** Keystone's URL, with or without `/v3`. */
  authUrl: string;
  region?: string;
  interface: EndpointInterface;
  username?: string;
  userId?: string;
  userDomainName: string;
  password?: string;
  projectName?: string;
  projectId?: string;
  projectDomainName: string;
  applicationCredentialId?: string;
  applicationCredentialName?: string;
  applicationCredentialSecret?: string;
  /** Replace what the catalog says, e.g. when the catalog advertises internal host names. */
  endpoints: { compute?: string; image?: string; network?: string };
  /** Network of new servers: a network id, `none` or `auto` (Nova's own default from 2.37). */
  network?: string;
  /** Security group names given to new servers (Nova's `default` when empty). */
  securityGroups: string[];
  availabilityZone?: string;
  /** The highest compute microversion to ask for (the cloud's own maximum may be lower). */
  maxMicroversion: string;
  requestTimeoutMs: number;
  /** `limit` sent on list calls; the cloud may cap it lower (Nova's `max_limit`, 1000 by default). */
  pageSize: number;
  /** Renew the token this long before `expires_at` (at most half the token's lifetime). */
  tokenRenewMarginMs: number;
  throttle: {
    /** Further attempts of a safe-to-repeat call answered 429/503. */
    maxRetries: number;
    /** Wait when the cloud gives no Retry-After. */
    defaultWaitMs: number;
    /** A longer Retry-After is not waited for: the throttled error goes to the caller. */
    maxWaitMs: number;
  };
}

/** The ceiling of the compute microversions this driver has been written and tested against. */
export const SUPPORTED_MAX_MICROVERSION = '2.79';

const microversion = Joi.string().pattern(/^2\.\d{1,3}$/, 'compute microversion such as 2.79');
const url = Joi.string().uri({ scheme: ['http', 'https'] });

export const openstackOptionsSchema = Joi.object<OpenstackOptions>({
  authUrl: url.required(),
  region: Joi.string(),
  interface: Joi.string().valid('public', 'internal', 'admin').default('public'),
  username: Joi.string(),
  userId: Joi.string(),
  userDomainName: Joi.string().default('Default'),
  password: Joi.string(),
  projectName: Joi.string(),
  projectId: Joi.string(),
  projectDomainName: Joi.string().default('Default'),
  applicationCredentialId: Joi.string(),
  applicationCredentialName: Joi.string(),
  applicationCredentialSecret: Joi.string(),
  endpoints: Joi.object({ compute: url, image: url, network: url }).default({}),
  network: Joi.string(),
  securityGroups: Joi.array().items(Joi.string()).default([]),
  availabilityZone: Joi.string(),
  maxMicroversion: microversion.default(SUPPORTED_MAX_MICROVERSION),
  requestTimeoutMs: Joi.number().integer().min(1).default(30_000),
  pageSize: Joi.number().integer().min(1).max(1000).default(1000),
  tokenRenewMarginMs: Joi.number().integer().min(0).default(60_000),
  throttle: Joi.object({
    maxRetries: Joi.number().integer().min(0).max(10).default(3),
    defaultWaitMs: Joi.number().integer().min(0).default(1000),
    maxWaitMs: Joi.number().integer().min(0).default(10_000),
  }).default(),
})
  .xor('password', 'applicationCredentialSecret')
  .custom(checkOptions, 'OpenStack options')
  .required();

/** Keystone accepts only a few combinations; say which one is incomplete at start, not at the first call. */
function checkOptions(value: OpenstackOptions, helpers: Joi.CustomHelpers): OpenstackOptions | Joi.ErrorReport {
  const fail = (message: string) => helpers.message({ custom: message });
  if (compareMicroversions(value.maxMicroversion, SUPPORTED_MAX_MICROVERSION) > 0) {
    return fail(`maxMicroversion ${value.maxMicroversion} is above ${SUPPORTED_MAX_MICROVERSION}, the highest this driver understands`);
  }
  if (value.password !== undefined) {
    if (!value.username && !value.userId) return fail('password auth needs username (or userId)');
    if (!value.projectName && !value.projectId) return fail('password auth needs projectName or projectId');
  } else {
    if (!value.applicationCredentialId && !value.applicationCredentialName) {
      return fail('application credential auth needs applicationCredentialId or applicationCredentialName');
    }
    if (!value.applicationCredentialId && !value.username && !value.userId) {
      return fail('applicationCredentialName needs username (or userId) of its owner');
    }
  }
  return value;
}

export const OPENSTACK_SECRET_OPTIONS = ['password', 'applicationCredentialSecret'] as const;

/** Compares `2.37`-style versions numerically (2.9 < 2.10). */
export function compareMicroversions(a: string, b: string): number {
  const [aMajor, aMinor] = a.split('.').map(Number);
  const [bMajor, bMinor] = b.split('.').map(Number);
  return aMajor - bMajor || aMinor - bMinor;
}
