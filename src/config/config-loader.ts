// The only reader of process.env: file (YAML or JSON) + environment overrides + *_FILE secrets,
// validated by one schema into one frozen Config. A bad config fails at start naming the key.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import Joi from 'joi';
import { configSchema, type CloudConfig, type Config } from './config-schema.js';
import { defaultClouds } from './config-defaults.js';
import { ConfigError } from './config-error.js';
import { envValue } from './env-value.js';

export { ConfigError };

type Env = Record<string, string | undefined>;

/** What the loader needs of the driver registry (the composition root gives it): each driver's options schema, by id. */
export type DriverOptionSchemas = ReadonlyMap<string, { readonly optionsSchema: Joi.ObjectSchema }>;

/** Environment variables that override a config key (each also accepted as `<VAR>_FILE`). */
const ENV_KEYS: ReadonlyArray<[string, string[], 'string' | 'number']> = [
  ['DISPATCHER_HOST', ['server', 'host'], 'string'],
  ['DISPATCHER_PORT', ['server', 'port'], 'number'],
  ['DATABASE_URL', ['database', 'url'], 'string'],
  ['DISPATCHER_INITIALISE_DATABASE', ['database', 'initialise'], 'string'],
  ['LOG_LEVEL', ['log', 'level'], 'string'],
  ['LOG_FORMAT', ['log', 'format'], 'string'],
  ['DISPATCHER_METRICS_TOKEN', ['metrics', 'token'], 'string'],
  ['DISPATCHER_ADMIN_USER', ['auth', 'adminUser'], 'string'],
  ['DISPATCHER_ADMIN_PASSWORD', ['auth', 'adminPassword'], 'string'],
  ['DISPATCHER_TOKEN_TTL_SECONDS', ['auth', 'tokenTtlSeconds'], 'number'],
  ['DISPATCHER_CISTERN_URL', ['cistern', 'url'], 'string'],
  ['DISPATCHER_CISTERN_TOKEN', ['cistern', 'token'], 'string'],
];

/** Reads DISPATCHER_CONFIG (if set) and the environment; the composition root calls this once. */
export function loadConfig(drivers: DriverOptionSchemas, env: Env = process.env): Config {
  const path = env.DISPATCHER_CONFIG;
  const raw = path ? readConfigFile(path) : {};
  return buildConfig(raw, drivers, env);
}

/** The YAML parser, loaded only to read a YAML file (the loader is synchronous, hence require). */
function yaml(): typeof import('yaml') {
  return createRequire(import.meta.url)('yaml') as typeof import('yaml');
}

export function readConfigFile(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError('DISPATCHER_CONFIG', `cannot read ${path}: ${(err as Error).message}`);
  }
  try {
    const parsed: unknown = path.endsWith('.json') ? JSON.parse(text) : yaml().parse(text);
    if (parsed === null || parsed === undefined) return {};
    if (typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('the top level must be a mapping');
    return parsed as Record<string, unknown>;
  } catch (err) {
    throw new ConfigError('DISPATCHER_CONFIG', `${path} does not parse: ${(err as Error).message}`);
  }
}

/** Builds the Config from a raw object and an environment (tests pass both explicitly). */
export function buildConfig(raw: Record<string, unknown>, drivers: DriverOptionSchemas, env: Env = {}): Config {
  const merged = structuredClone(raw) as Record<string, unknown>;
  for (const [variable, path, type] of ENV_KEYS) {
    const value = envValue(env, variable);
    if (value === undefined) continue;
    setPath(merged, path, type === 'number' && /^\d+$/.test(value) ? Number(value) : value);
  }
  if (merged.clouds === undefined) merged.clouds = defaultClouds();
  resolveSecretFiles(merged, []);

  const { value, error } = configSchema.validate(merged, { abortEarly: true, convert: true });
  if (error) throw fromJoi(error);
  const config = value as Config;
  config.clouds = config.clouds.map((cloud, i) => validateCloud(cloud, i, drivers));
  checkNames(config.clouds);
  if (config.database.url.startsWith('sqlite:') === false && !/^postgres(ql)?:\/\//.test(config.database.url)) {
    throw new ConfigError('database.url', 'must start with sqlite: or postgres://');
  }
  if (config.server.headersTimeoutMs > config.server.requestTimeoutMs) {
    throw new ConfigError('server.headersTimeoutMs', `must not exceed server.requestTimeoutMs (${config.server.requestTimeoutMs})`);
  }
  // `sqlite:` alone would open a private temporary database: everything lost at exit, silently.
  if (config.database.url.startsWith('sqlite:') && config.database.url.slice('sqlite:'.length).trim() === '') {
    throw new ConfigError('database.url', 'sqlite: names no file (write sqlite:<path>, or sqlite::memory: for a throw-away store)');
  }
  return deepFreeze(config);
}

/** `passwordFile: /run/secrets/x` anywhere becomes `password: <file content>`. */
function resolveSecretFiles(node: unknown, path: string[]): void {
  if (Array.isArray(node)) {
    node.forEach((item, i) => resolveSecretFiles(item, [...path, String(i)]));
    return;
  }
  if (node === null || typeof node !== 'object') return;
  const object = node as Record<string, unknown>;
  for (const key of Object.keys(object)) {
    const value = object[key];
    if (key.endsWith('File') && key.length > 4 && typeof value === 'string') {
      const target = key.slice(0, -4);
      try {
        object[target] = readFileSync(value, 'utf8').trim();
      } catch (err) {
        throw new ConfigError(keyName([...path, key]), `cannot read ${value}: ${(err as Error).message}`);
      }
      delete object[key];
    } else {
      resolveSecretFiles(value, [...path, key]);
    }
  }
}

function validateCloud(cloud: CloudConfig, index: number, drivers: DriverOptionSchemas): CloudConfig {
  const factory = drivers.get(cloud.driver);
  if (!factory) {
    throw new ConfigError(`clouds[${index}].driver`, `unknown driver "${cloud.driver}" (known: ${[...drivers.keys()].join(', ')})`);
  }
  const { value, error } = factory.optionsSchema.validate(cloud.options, { abortEarly: true, convert: true });
  if (error) throw fromJoi(error, `clouds[${index}].options`);
  return { ...cloud, options: value as Record<string, unknown> };
}

function checkNames(clouds: CloudConfig[]): void {
  const seen = new Map<string, string>();
  clouds.forEach((cloud, i) => {
    for (const [j, label] of [cloud.name, ...cloud.aliases].entries()) {
      const owner = seen.get(label);
      const key = j === 0 ? `clouds[${i}].name` : `clouds[${i}].aliases[${j - 1}]`;
      if (owner) throw new ConfigError(key, `"${label}" is already used by cloud ${owner}`);
      seen.set(label, cloud.name);
    }
  });
  if (clouds.filter((c) => c.default).length > 1) throw new ConfigError('clouds', 'more than one cloud has default: true');
}

function fromJoi(error: Joi.ValidationError, prefix?: string): ConfigError {
  const detail = error.details[0];
  const path = detail.path.map(String);
  const key = keyName(prefix ? [prefix, ...path] : path) || prefix || '(root)';
  return new ConfigError(key, detail.message.replace(/^"[^"]*" /, ''));
}

function keyName(path: string[]): string {
  return path.reduce((out, part) => (/^\d+$/.test(part) ? `${out}[${part}]` : out ? `${out}.${part}` : part), '');
}

function setPath(target: Record<string, unknown>, path: string[], value: unknown): void {
  let node = target;
  for (const part of path.slice(0, -1)) {
    if (typeof node[part] !== 'object' || node[part] === null) node[part] = {};
    node = node[part] as Record<string, unknown>;
  }
  node[path[path.length - 1]] = value;
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}
