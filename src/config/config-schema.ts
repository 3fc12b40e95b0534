// One joi schema for the whole configuration; every default lives here.
import Joi from 'joi';
import { CLOUD_LABEL, USERNAME } from '../domain/names.js';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
export const LOG_FORMATS = ['auto', 'json', 'pretty'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

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
  /** How long one listing of the cloud's VMs serves list pages (0: every page lists the cloud). */
  listCacheMs: number;
  /** What a full reconcile pass does with VMs carrying this cloud's ownership tag but no record. */
  reconcile: { orphans: OrphanPolicy; orphanGraceMs: number };
  options: Record<string, unknown>;
}

/** report: list them under /api/v2/status; adopt: track them FREE; destroy: destroy them (each recorded). */
export const ORPHAN_POLICIES = ['report', 'adopt', 'destroy'] as const;
export type OrphanPolicy = (typeof ORPHAN_POLICIES)[number];

export interface Config {
  server: {
    host: string;
    port: number;
    bodyLimitBytes: number;
    shutdownTimeoutMs: number;
    /** Which peers' X-Forwarded-For is believed: false (none), a hop count, or proxy addresses/CIDRs. */
    trustProxy: false | number | string[];
    /** A client must send its whole header block within this (slowloris brake). */
    headersTimeoutMs: number;
    /** A whole request (headers and body) must arrive within this. */
    requestTimeoutMs: number;
    /** An idle keep-alive connection is closed after this. */
    keepAliveTimeoutMs: number;
    /** Open connections at once; more are refused by the server (0 = no cap). */
    maxConnections: number;
    /** Requests one keep-alive connection may carry (0 = no cap). */
    maxRequestsPerSocket: number;
    /** Host header values served (names, no port); unset = any. */
    allowedHosts?: string[];
  };
  database: {
    url: string;
    /** SQLite: create a new database even though the marker file says one existed (and was lost). */
    initialise: boolean;
    /**
     * PostgreSQL: run the hot statements as named (prepared) ones. false behind a pooler in
     * transaction mode that does not keep them (PgBouncer before 1.21, or without max_prepared_statements).
     */
    preparedStatements: boolean;
  };
  /** format: json lines, or pino-pretty's text; auto = pretty when stdout is a terminal. */
  log: { level: LogLevel; format: LogFormat };
  /** GET /metrics answers a bearer token equal to `token`, or an admin's API token. */
  metrics: { token?: string };
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
  /** Purge of finished history by a background worker (ages in days; intervalMs 0 turns it off). */
  retention: {
    intervalMs: number;
    /** Finished operations (succeeded, failed, interrupted) older than this. */
    operationsDays: number;
    auditDays: number;
    /** VM records that ended (destroyed, forgotten), and resolved reconcile findings. */
    vmRecordsDays: number;
    /** Idempotency keys this long past their expiry (0: as soon as they expire). */
    idempotencyGraceDays: number;
  };
  /** Instances over one PostgreSQL: the heartbeat renews this process's lease; past it, others take its work over. */
  scaleOut: { heartbeatMs: number; leaseMs: number };
  cistern?: { url: string; timeoutMs: number; token?: string };
  clouds: CloudConfig[];
}

const name = Joi.string().pattern(CLOUD_LABEL, 'name (no whitespace, control, bidi or zero-width characters; not ., .. or __proto__)');

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
  // 1 s: a change made outside the dispatcher shows within a second (the dispatcher's own at once),
  // and a cloud is listed at most about once a second per instance however many pages are asked.
  listCacheMs: Joi.number().integer().min(0).max(60_000).default(1_000),
  reconcile: Joi.object({
    orphans: Joi.string()
      .valid(...ORPHAN_POLICIES)
      .default('report'),
    // Longer than a create can take: a VM whose create is still in flight is not an orphan yet.
    orphanGraceMs: Joi.number().integer().min(0).default(900_000),
  }).default(),
  options: Joi.object().unknown(true).default({}),
});

export const configSchema = Joi.object({
  server: Joi.object({
    host: Joi.string().default('127.0.0.1'),
    port: Joi.number().integer().min(0).max(65535).default(5070),
    bodyLimitBytes: Joi.number().integer().min(1024).default(1024 * 1024),
    shutdownTimeoutMs: Joi.number().integer().min(0).default(10_000),
    trustProxy: Joi.alternatives(
      Joi.boolean().valid(false),
      Joi.number().integer().min(1).max(10),
      Joi.array().items(Joi.string().pattern(/^[0-9a-fA-F.:]+(\/\d{1,3})?$|^(loopback|linklocal|uniquelocal)$/, 'address, CIDR or loopback/linklocal/uniquelocal')).min(1),
    ).default(false),
    headersTimeoutMs: Joi.number().integer().min(100).default(10_000),
    requestTimeoutMs: Joi.number().integer().min(100).default(30_000),
    keepAliveTimeoutMs: Joi.number().integer().min(100).default(5_000),
    maxConnections: Joi.number().integer().min(0).default(1024),
    maxRequestsPerSocket: Joi.number().integer().min(0).default(1000),
    allowedHosts: Joi.array().items(Joi.string().min(1).max(255).pattern(/^[A-Za-z0-9.:[\]-]+$/, 'a host name or address')).min(1),
  }).default(),
  database: Joi.object({
    url: Joi.string().default('sqlite:./data/dispatcher.sqlite'),
    initialise: Joi.boolean().default(false),
    preparedStatements: Joi.boolean().default(true),
  }).default(),
  log: Joi.object({
    level: Joi.string().valid(...LOG_LEVELS).default('info'),
    format: Joi.string().valid(...LOG_FORMATS).default('auto'),
  }).default(),
  metrics: Joi.object({
    token: Joi.string().min(16),
  }).default(),
  auth: Joi.object({
    required: Joi.boolean().default(true),
    tokenTtlSeconds: Joi.number().integer().min(1).default(86_400),
    adminUser: Joi.string().pattern(USERNAME, 'username').default('admin'),
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
  retention: Joi.object({
    intervalMs: Joi.number().integer().min(0).default(3_600_000),
    operationsDays: Joi.number().min(0).default(30),
    auditDays: Joi.number().min(0).default(365),
    vmRecordsDays: Joi.number().min(0).default(90),
    idempotencyGraceDays: Joi.number().min(0).default(0),
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
