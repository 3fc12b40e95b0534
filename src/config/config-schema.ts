// One joi schema for the whole configuration; every default lives here.
import Joi from 'joi';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface CloudConfig {
  name: string;
  driver: string;
  aliases: string[];
  default: boolean;
  enabled: boolean;
  /** The most VMs the dispatcher may run there; unset = no limit of ours. */
  allocation?: number;
  /** Calls in flight on this cloud at once; more wait in line. */
  concurrency: number;
  /** A single provider call slower than this fails with 504. */
  callTimeoutMs: number;
  /** How long images and sizes are cached (start resolves them on every call). */
  catalogTtlMs: number;
  options: Record<string, unknown>;
}

export interface Config {
  server: { host: string; port: number; bodyLimitBytes: number; shutdownTimeoutMs: number };
  database: { url: string };
  log: { level: LogLevel };
  auth: {
    /** false = the original's open routes (legacy switch; the server warns at start). */
    required: boolean;
    tokenTtlSeconds: number;
    adminUser: string;
    adminPassword?: string;
    rateLimit: { windowMs: number; max: number };
  };
  v1: { integerStates: boolean };
  /** `?wait=true` on v2's long operations waits at most this long, then answers 202 with the operation. */
  v2: { waitTimeoutMs: number };
  tracker: { pollIntervalMs: number; releaseTimeoutMs: number };
  /** Background workers (run by main only; 0 turns one off). */
  reconciler: {
    /** A full pass: every cloud listed once, missing VMs found. */
    intervalMs: number;
    /** Booting VMs looked up until running or failed (the precision of startup times). */
    startupPollMs: number;
    /** A VM not running this long after its create counts as a boot failure. */
    bootTimeoutMs: number;
    /** Operator settings re-read from the store (changes made through other instances). */
    settingsSyncMs: number;
  };
  /** Instances over one PostgreSQL: the heartbeat renews this process's lease; past it, others take its work over. */
  scaleOut: { heartbeatMs: number; leaseMs: number };
  cistern?: { url: string; timeoutMs: number; token?: string };
  clouds: CloudConfig[];
}

const name = Joi.string().min(1).max(128).pattern(/^[^\s]+$/, 'no whitespace');

export const cloudSchema = Joi.object({
  name: name.required(),
  driver: Joi.string().required(),
  aliases: Joi.array().items(name).unique().default([]),
  default: Joi.boolean().default(false),
  enabled: Joi.boolean().default(true),
  allocation: Joi.number().integer().min(0),
  concurrency: Joi.number().integer().min(1).default(16),
  callTimeoutMs: Joi.number().integer().min(1).default(60_000),
  catalogTtlMs: Joi.number().integer().min(0).default(300_000),
  options: Joi.object().unknown(true).default({}),
});

export const configSchema = Joi.object({
  server: Joi.object({
    host: Joi.string().default('127.0.0.1'),
    port: Joi.number().integer().min(0).max(65535).default(5070),
    bodyLimitBytes: Joi.number().integer().min(1024).default(1024 * 1024),
    shutdownTimeoutMs: Joi.number().integer().min(0).default(10_000),
  }).default(),
  database: Joi.object({
    url: Joi.string().default('sqlite:./data/dispatcher.sqlite'),
  }).default(),
  log: Joi.object({
    level: Joi.string().valid(...LOG_LEVELS).default('info'),
  }).default(),
  auth: Joi.object({
    required: Joi.boolean().default(true),
    tokenTtlSeconds: Joi.number().integer().min(1).default(86_400),
    adminUser: name.default('admin'),
    adminPassword: Joi.string().min(8),
    rateLimit: Joi.object({
      windowMs: Joi.number().integer().min(1).default(60_000),
      max: Joi.number().integer().min(1).default(20),
    }).default(),
  }).default(),
  v1: Joi.object({
    integerStates: Joi.boolean().default(false),
  }).default(),
  v2: Joi.object({
    waitTimeoutMs: Joi.number().integer().min(1).max(600_000).default(60_000),
  }).default(),
  tracker: Joi.object({
    pollIntervalMs: Joi.number().integer().min(1).default(500),
    releaseTimeoutMs: Joi.number().integer().min(1).default(120_000),
  }).default(),
  reconciler: Joi.object({
    intervalMs: Joi.number().integer().min(0).default(60_000),
    startupPollMs: Joi.number().integer().min(0).default(2_000),
    bootTimeoutMs: Joi.number().integer().min(1).default(900_000),
    settingsSyncMs: Joi.number().integer().min(0).default(10_000),
  }).default(),
  scaleOut: Joi.object({
    heartbeatMs: Joi.number().integer().min(10).default(2_000),
    leaseMs: Joi.number().integer().min(Joi.ref('heartbeatMs')).default(10_000),
  }).default(),
  cistern: Joi.object({
    url: Joi.string().uri({ scheme: ['http', 'https'] }).required(),
    timeoutMs: Joi.number().integer().min(1).default(5_000),
    token: Joi.string(),
  }),
  clouds: Joi.array().items(cloudSchema).min(1).unique('name').required(),
});
