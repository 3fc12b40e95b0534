// The options of an `ec2` cloud. The config loader has already turned `<key>File` forms of the
// secret keys into `<key>` before this schema sees them.
import Joi from 'joi';

export interface Ec2Filter {
  name: string;
  values: string[];
}

export interface Ec2Options {
  region: string;
  /** An EC2-compatible endpoint (another cloud, a test server); absent means AWS's own for the region. */
  endpoint?: string;
  /** Static credentials; absent means the SDK's default provider chain (env, profile, IMDS, …). */
  accessKeyId?: string;
  secretAccessKey?: string;
  sessionToken?: string;
  /** Attempts per call, the SDK's own retry included (1 = no retry). */
  maxAttempts: number;
  /**
   * Per attempt. maxAttempts × requestTimeoutMs (plus backoff) should stay under the cloud's
   * `callTimeoutMs` (60 s by default), or the pool gives up before the SDK does.
   */
  requestTimeoutMs: number;
  connectionTimeoutMs: number;
  subnetId?: string;
  securityGroupIds?: string[];
  imageOwners: string[];
  imageFilters: Ec2Filter[];
  /** Instance types offered as sizes; absent means every type the region offers. */
  instanceTypes?: string[];
  /** MaxResults asked of paginated describes (EC2 accepts 5..1000). */
  pageSize: number;
  /**
   * EC2 is eventually consistent: right after RunInstances, DescribeInstances may not know the id
   * yet. For this long after a create, getVm answers the launched VM instead of null.
   */
  consistencyWindowMs: number;
}

export const EC2_SECRET_OPTIONS = ['accessKeyId', 'secretAccessKey', 'sessionToken'] as const;

const filter = Joi.object({
  name: Joi.string().required(),
  values: Joi.array().items(Joi.string()).min(1).required(),
});

export const ec2OptionsSchema = Joi.object<Ec2Options>({
  region: Joi.string().required(),
  endpoint: Joi.string().uri({ scheme: ['http', 'https'] }),
  accessKeyId: Joi.string(),
  secretAccessKey: Joi.string(),
  sessionToken: Joi.string(),
  maxAttempts: Joi.number().integer().min(1).max(10).default(3),
  requestTimeoutMs: Joi.number().integer().min(1).default(15_000),
  connectionTimeoutMs: Joi.number().integer().min(1).default(5_000),
  subnetId: Joi.string(),
  securityGroupIds: Joi.array().items(Joi.string()).min(1),
  // Never every public AMI of the region (tens of thousands): only our own unless told otherwise.
  imageOwners: Joi.array().items(Joi.string()).min(1).default(['self']),
  imageFilters: Joi.array().items(filter).default([{ name: 'state', values: ['available'] }]),
  instanceTypes: Joi.array().items(Joi.string()).min(1),
  pageSize: Joi.number().integer().min(5).max(1000).default(1000),
  consistencyWindowMs: Joi.number().integer().min(0).default(60_000),
})
  .required()
  .and('accessKeyId', 'secretAccessKey')
  .with('sessionToken', ['accessKeyId', 'secretAccessKey']);
