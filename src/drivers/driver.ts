// The driver contract: every cloud adapter implements this and passes test/contract/driver-contract.ts.
// Drivers translate provider states and errors into the domain's vocabulary (one state map and one
// error mapper per driver) and never throw anything but DispatcherError for provider faults.
import type Joi from 'joi';
import type { CapabilitySet } from '../domain/capabilities.js';
import type { Logger } from '../log/logger.js';
import type { CreateVmRequest, Image, KeyPair, PortRule, SaveImageRequest, Size, Tenant, Vm } from '../domain/vm-model.js';

// Every call takes the pool's AbortSignal last: it fires when the call timeout passes, and the
// pool holds the concurrency slot until the driver's promise settles.
export interface Driver {
  /** Provider id, shown as v1 `provider`/`type`: `fake`, `ec2`, `openstack`. */
  readonly provider: string;
  /** Display name, shown as v1 `cloud_type`: `Fake`, `Amazon EC2`, `OpenStack`. */
  readonly displayName: string;
  /** The host of the cloud's API endpoint, shown by v1 `/cloud`. */
  readonly host: string;
  readonly capabilities: CapabilitySet;

  /** Authenticates / discovers endpoints. Called lazily by the pool before the first call. */
  connect(): Promise<void>;
  /**
   * Renews the credential the cloud refused (the pool calls it on credentials-expired, then repeats
   * the call: the only retry of a refused credential, so a driver does not retry one itself).
   */
  renewCredentials(): Promise<void>;
  close(): Promise<void>;

  /** Every VM of the cloud (following pagination to the end); terminated ones only when asked. */
  listVms(options?: { includeTerminated?: boolean }, signal?: AbortSignal): Promise<Vm[]>;
  /** One filtered provider call; null when the cloud does not know the id (or it is terminated). */
  getVm(id: string, signal?: AbortSignal): Promise<Vm | null>;
  /** One filtered provider call on the exact name; null when none. */
  findVmByName(name: string, signal?: AbortSignal): Promise<Vm | null>;
  /**
   * The VM whose `dispatcher:request-id` ownership tag equals `requestId` (pending ones included,
   * terminated ones not); null when the cloud confirms there is none. Resolves creates whose outcome
   * is unknown (timeout, lost answer, crash): never rely on the cloud's idempotency token for this.
   * A driver that cannot confirm absence yet (EC2 shortly after a create it got no answer to)
   * throws `unavailable` with retryAfterMs instead of answering null.
   */
  findVmByRequestId(requestId: string, signal?: AbortSignal): Promise<Vm | null>;
  createVm(request: CreateVmRequest, signal?: AbortSignal): Promise<Vm>;
  /** Asks the cloud to delete the VM; returns once accepted (the service polls until it is gone). */
  destroyVm(id: string, signal?: AbortSignal): Promise<void>;
  rebootVm(id: string, signal?: AbortSignal): Promise<void>;
  stopVm(id: string, signal?: AbortSignal): Promise<void>;
  startVm(id: string, signal?: AbortSignal): Promise<void>;

  listImages(signal?: AbortSignal): Promise<Image[]>;
  listSizes(signal?: AbortSignal): Promise<Size[]>;
  listTenants(signal?: AbortSignal): Promise<Tenant[]>;
  listKeyPairs(signal?: AbortSignal): Promise<KeyPair[]>;

  /** Idempotent: opening an open port (closing a closed one) succeeds. */
  openPort(vmId: string, rule: PortRule, signal?: AbortSignal): Promise<void>;
  closePort(vmId: string, rule: PortRule, signal?: AbortSignal): Promise<void>;

  /** Capability `snapshot`: saves the VM's disk as a new image; answers it (usually `pending`). */
  createImage(vmId: string, request: SaveImageRequest, signal?: AbortSignal): Promise<Image>;
  /** One image by id, with its state; null when the cloud does not know it. */
  getImage(imageId: string, signal?: AbortSignal): Promise<Image | null>;
  /** Capability `snapshot`: deletes (deregisters) an image. */
  deleteImage(imageId: string, signal?: AbortSignal): Promise<void>;
}

export interface DriverContext<O> {
  /** The canonical cloud name (ownership tags carry it). */
  cloudName: string;
  /** Driver options, validated by the factory's `optionsSchema` and with `*File` secrets resolved. */
  options: O;
  logger: Logger;
}

/** One driver's plug-in, typed by its options: the registry holds it through `defineDriver`. */
export interface DriverFactory<O extends object> {
  readonly provider: string;
  readonly displayName: string;
  /** Joi schema of the cloud's `options`; the config loader validates with it at start. */
  readonly optionsSchema: Joi.ObjectSchema<O>;
  /** Option keys whose values are secrets: redacted from logs and status output. */
  readonly secretOptions: ReadonlyArray<keyof O & string>;
  create(context: DriverContext<O>): Driver;
}
