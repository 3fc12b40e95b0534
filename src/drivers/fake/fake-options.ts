import Joi from 'joi';
import { CAPABILITIES, type Capability } from '../../domain/capabilities.js';

export interface FakeImage { id: string; name: string; failBoot?: boolean }
export interface FakeSize { id: string; name: string; ramMiB: number; vcpus: number; diskGiB: number }

export interface FakeOptions {
  host?: string;
  seed: number;
  latencyMs: number;
  jitterMs: number;
  bootDelayMs: number;
  stopDelayMs: number;
  destroyDelayMs: number;
  images: FakeImage[];
  sizes: FakeSize[];
  keyPairs: string[];
  tenant: string;
  capabilities?: Capability[];
  /** Keep the cloud's VMs in this JSON file (rewritten atomically on every change) so they outlive the process. */
  statePath?: string;
  /**
   * Keep the cloud's VMs in a PostgreSQL table instead, one row each, so that several processes
   * share one cloud cheaply (scale-out tests, benchmarks, demos). Not with `statePath`.
   */
  shared?: { databaseUrl: string; table: string };
  /** Running VMs created at start, for demos and benchmarks (not when a state file already exists). */
  preload: { count: number; namePrefix: string };
  faults: {
    /** Share of calls failing with a provider fault (502). */
    errorRate: number;
    /** Share of calls refused as throttled (503). */
    throttleRate: number;
    /** Share of creates that make the VM but lose the answer (the call fails like a reset connection). */
    lostAnswerRate: number;
    /**
     * Every create is made (and written to the state file) at once, then its answer waits this long:
     * past the pool's callTimeoutMs the answer never comes; a kill -9 meanwhile cuts the dispatcher
     * between the cloud call and its record. 0: the answer comes at once.
     */
    answerDelayMs: number;
    /** Share of calls that hang for `hangMs` and then fail as timed out (504). */
    timeoutRate: number;
    hangMs: number;
    /** Share of calls finding the credential expired (the pool renews it and retries). */
    credentialExpiryRate: number;
    /** Share of created VMs that end in `error` instead of `running`. */
    bootFailureRate: number;
  };
}

export const DEFAULT_IMAGES: FakeImage[] = [
  { id: 'img-ubuntu-24', name: 'ubuntu-24.04' },
  { id: 'img-debian-12', name: 'debian-12' },
  { id: 'img-broken', name: 'broken-image', failBoot: true },
];

export const DEFAULT_SIZES: FakeSize[] = [
  { id: 'small', name: 'm1.small', ramMiB: 2048, vcpus: 1, diskGiB: 20 },
  { id: 'medium', name: 'm1.medium', ramMiB: 4096, vcpus: 2, diskGiB: 40 },
  { id: 'large', name: 'm1.large', ramMiB: 8192, vcpus: 4, diskGiB: 80 },
];

const rate = Joi.number().min(0).max(1).default(0);

export const fakeOptionsSchema = Joi.object<FakeOptions>({
  host: Joi.string(),
  seed: Joi.number().integer().default(1),
  latencyMs: Joi.number().min(0).default(0),
  jitterMs: Joi.number().min(0).default(0),
  bootDelayMs: Joi.number().min(0).default(500),
  stopDelayMs: Joi.number().min(0).default(200),
  destroyDelayMs: Joi.number().min(0).default(200),
  images: Joi.array()
    .items(Joi.object({ id: Joi.string().required(), name: Joi.string().required(), failBoot: Joi.boolean() }))
    .min(1)
    .default(DEFAULT_IMAGES),
  sizes: Joi.array()
    .items(
      Joi.object({
        id: Joi.string().required(),
        name: Joi.string().required(),
        ramMiB: Joi.number().integer().min(0).required(),
        vcpus: Joi.number().integer().min(0).required(),
        diskGiB: Joi.number().integer().min(0).required(),
      }),
    )
    .min(1)
    .default(DEFAULT_SIZES),
  keyPairs: Joi.array().items(Joi.string()).default(['default']),
  tenant: Joi.string().default('demo'),
  capabilities: Joi.array().items(Joi.string().valid(...CAPABILITIES)),
  statePath: Joi.string(),
  shared: Joi.object({
    databaseUrl: Joi.string().uri({ scheme: ['postgres', 'postgresql'] }).required(),
    // Spliced into SQL: a plain identifier only (the schema comes from the URL's search_path).
    table: Joi.string().pattern(/^[a-z_][a-z0-9_]{0,50}$/).default('fake_cloud_vms'),
  }),
  preload: Joi.object({
    count: Joi.number().integer().min(0).default(0),
    namePrefix: Joi.string().default('preloaded'),
  }).default(),
  faults: Joi.object({
    errorRate: rate,
    throttleRate: rate,
    lostAnswerRate: rate,
    answerDelayMs: Joi.number().min(0).default(0),
    timeoutRate: rate,
    hangMs: Joi.number().min(0).default(30_000),
    credentialExpiryRate: rate,
    bootFailureRate: rate,
  }).default(),
})
  .oxor('statePath', 'shared')
  .default();
