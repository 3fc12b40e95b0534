// A driver as the registry, the config loader and the pool hold it: its options type erased, so
// one map can hold every driver. The erasure is safe because `create` validates the options with
// the driver's own schema again (the loader already did, so it always passes): the driver gets
// its typed options from Joi, not from a cast.
import type Joi from 'joi';
import type { Logger } from '../log/logger.js';
import type { Driver, DriverContext, DriverFactory } from './driver.js';

export interface DriverPlugin {
  readonly provider: string;
  readonly displayName: string;
  readonly optionsSchema: Joi.ObjectSchema;
  readonly secretOptions: readonly string[];
  create(context: { cloudName: string; options: unknown; logger: Logger }): Driver;
}

/** Which driver ids a cloud's `driver` key may name: the composition root hands it to the loader and the pool. */
export type DriverRegistry = ReadonlyMap<string, DriverPlugin>;

export function defineDriver<O extends object>(factory: DriverFactory<O>): DriverPlugin {
  return {
    provider: factory.provider,
    displayName: factory.displayName,
    optionsSchema: factory.optionsSchema,
    secretOptions: factory.secretOptions,
    create(context) {
      const { value, error } = factory.optionsSchema.validate(context.options, { abortEarly: true, convert: true });
      if (error) throw new Error(`cloud ${context.cloudName}: ${factory.provider} options: ${error.message}`);
      const typed: DriverContext<O> = { ...context, options: value };
      return factory.create(typed);
    },
  };
}

/** Every secret option key of every driver (the log's redaction paths are built from them). */
export function secretOptionsOf(registry: DriverRegistry): string[] {
  return [...new Set([...registry.values()].flatMap((plugin) => plugin.secretOptions))].sort();
}
