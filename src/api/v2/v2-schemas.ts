// The v2 resource shapes and request schemas: the one source the router validates with and the
// spec is generated from. `.id('Name')` puts a shape under components/schemas in the spec.
import Joi from 'joi';
import { CAPABILITIES } from '../../domain/capabilities.js';
import { IMAGE_STATES, VM_STATES } from '../../domain/vm-model.js';
import { OPERATION_STATES } from '../../domain/operation-model.js';
import { ROLES } from '../../store/user-store.js';
import { TRACKER_STATUS } from '../../cistern/tracker.js';
import { metadata, safeText } from '../http/name-schemas.js';
import { cidr, isoTime, text } from '../http/primitive-schemas.js';

const link = Joi.string().description('An absolute path on this server.');

export const cloudParams = Joi.object({
  cloud: text.required().description('A cloud name or alias; percent-encode reserved characters (`test%2Fname`).'),
});
export const vmParams = cloudParams.keys({ id: text.required().description("The cloud's VM id.") });
export const idParams = Joi.object({ id: text.required() });

export const waitQuery = Joi.object({
  wait: Joi.boolean()
    .default(false)
    .description('Wait for the end of the work (at most the server bound, 60 s by default) and answer its result; past the bound the answer is the usual 202.'),
});

export const pageQuery = {
  limit: Joi.number().integer().min(1).max(500).default(50).description('Items per page.'),
  next: Joi.string().max(2048).description('The opaque `next` cursor of the previous page.'),
};

export const cloudSchema = Joi.object({
  name: Joi.string().required(),
  driver: Joi.string().required().description('The driver (provider) id: fake, ec2, openstack.'),
  displayName: Joi.string().required(),
  aliases: Joi.array().items(Joi.string()).required(),
  enabled: Joi.boolean().required(),
  default: Joi.boolean().required().description('The cloud v1 uses when a path names none.'),
  capabilities: Joi.array().items(Joi.string().valid(...CAPABILITIES)).required(),
  links: Joi.object({ self: link.required(), vms: link.required(), images: link.required(), sizes: link.required(), keypairs: link.required() }).required(),
}).id('Cloud');

export const vmSchema = Joi.object({
  id: Joi.string().required(),
  cloud: Joi.string().required(),
  name: Joi.string().required(),
  state: Joi.string().valid(...VM_STATES).required(),
  publicIps: Joi.array().items(Joi.string()).required(),
  privateIps: Joi.array().items(Joi.string()).required(),
  imageId: Joi.string(),
  sizeId: Joi.string(),
  createdAt: isoTime,
  metadata: Joi.object().pattern(Joi.string(), Joi.string().allow('')).required().description('Tags / metadata, the dispatcher ownership keys included.'),
  fault: Joi.string().description('Why the VM is in state error, as the cloud says.'),
  extra: Joi.object().unknown(true).required().description('Provider-specific fields.'),
  links: Joi.object({ self: link.required() }).required(),
}).id('Vm');

export const imageSchema = Joi.object({
  id: Joi.string().required(),
  name: Joi.string().required(),
  state: Joi.string().valid(...IMAGE_STATES).description('pending while an image saved from a VM is being written.'),
  extra: Joi.object().unknown(true),
}).id('Image');
export const sizeSchema = Joi.object({
  id: Joi.string().required(),
  name: Joi.string().required(),
  ramMiB: Joi.number().integer().min(0).required(),
  vcpus: Joi.number().integer().min(0).required(),
  diskGiB: Joi.number().integer().min(0).required(),
  extra: Joi.object().unknown(true),
}).id('Size');
export const keyPairSchema = Joi.object({ name: Joi.string().required(), fingerprint: Joi.string() }).id('KeyPair');

export const assignmentSchema = Joi.object({
  id: Joi.string().required().description('`<cloud>:<tracker id>` (percent-encode it in a path when the cloud name has reserved characters).'),
  cloud: Joi.string().required(),
  trackerId: Joi.number().integer().required(),
  vmId: Joi.string().required(),
  hostname: Joi.string().required(),
  status: Joi.string().valid(...Object.keys(TRACKER_STATUS)).required(),
  user: Joi.string().allow(null).required().description('null while FREE.'),
  vmType: Joi.string().allow(null).required(),
  links: Joi.object({ self: link.required(), vm: link.required() }).required(),
}).id('Assignment');

const operationError = Joi.object({ kind: Joi.string().required(), message: Joi.string().required(), code: Joi.string(), status: Joi.number().integer().required() });

export const operationSchema = Joi.object({
  id: Joi.string().required(),
  kind: Joi.string().required().description('vm.start, vm.destroy, vm.release, …'),
  state: Joi.string().valid(...OPERATION_STATES).required().description('interrupted: the dispatcher restarted while it ran.'),
  cloud: Joi.string().allow(null).required(),
  target: Joi.string().allow(null).required().description('The VM id, once known.'),
  result: Joi.any().description('Set when succeeded: the VM (vm.start), the deleted VM (vm.destroy), the tracker answer (vm.release).'),
  error: operationError.allow(null).required(),
  placement: Joi.object().unknown(true).description('Placed creates: the chosen cloud(s) and why, and why each other cloud was not chosen.'),
  steps: Joi.array()
    .items(Joi.object({ step: Joi.string().required(), state: Joi.string().valid('done', 'failed').required(), at: isoTime.required(), detail: Joi.string() }))
    .required(),
  createdAt: isoTime.required(),
  updatedAt: isoTime.required(),
  finishedAt: isoTime.allow(null).required(),
  links: Joi.object({ self: link.required(), target: link }).required(),
}).id('Operation');

export const tokenSchema = Joi.object({
  token: Joi.string().required().description('Shown once; send it as `Authorization: Bearer <token>`.'),
  tokenType: Joi.string().valid('Bearer').required(),
  expiresAt: isoTime.required(),
  user: Joi.object({ username: Joi.string().required(), role: Joi.string().valid(...ROLES).required() }).required(),
}).id('Token');

export function listOf(item: Joi.Schema, paginated: boolean): Joi.ObjectSchema {
  return Joi.object({
    items: Joi.array().items(item).required(),
    ...(paginated ? { next: Joi.string().allow(null).required().description('Pass as `next` for the following page; null on the last page.') } : {}),
  });
}

export const createVmBody = Joi.object({
  name: safeText().required().description('Any text without control, bidi or zero-width characters (1–255).'),
  image: text.required().description('Image id or name.'),
  size: text.required().description('Size id or name.'),
  keyName: text,
  metadata,
  userData: Joi.string().max(65536),
});

export const listVmsQuery = Joi.object({
  state: Joi.string().valid(...VM_STATES),
  name: text.description('Exact name.'),
  tag: Joi.array()
    .items(Joi.string().max(512).pattern(/^[^:]+:.*$/, 'key:value'))
    .single()
    .description('`key:value`; repeat for several (all must match).'),
  owner: text.description('Only the VMs this user started (users see only their own VMs anyway).'),
  ...pageQuery,
});

export const PORT_ACTIONS = ['open-port', 'close-port'] as const;
export const VM_ACTIONS = ['reboot', 'power-off', 'power-on', ...PORT_ACTIONS] as const;
export type VmAction = (typeof VM_ACTIONS)[number];

const forPorts = <T extends Joi.Schema>(schema: T, otherwise: Joi.Schema) =>
  schema.when('action', { is: Joi.valid(...PORT_ACTIONS), then: otherwise, otherwise: Joi.forbidden() });

export const vmActionBody = Joi.object({
  action: Joi.string()
    .valid(...VM_ACTIONS)
    .required(),
  port: forPorts(Joi.number().integer().min(1).max(65535), Joi.required()).description('open-port / close-port only (required there).'),
  protocol: forPorts(Joi.string().valid('tcp', 'udp', 'icmp'), Joi.optional()).description('open-port / close-port only; default tcp.'),
  cidr: forPorts(cidr, Joi.optional()).description('open-port / close-port only; default 0.0.0.0/0.'),
});

export const vmActionResult = Joi.object({
  action: Joi.string().valid(...VM_ACTIONS).required(),
  vm: vmSchema.required().description('The VM as it was before the action.'),
  result: Joi.string().required(),
});

export const createAssignmentBody = Joi.object({
  cloud: text.required(),
  vm: text.description('The VM id (or give hostname).'),
  hostname: safeText().description('The VM name (or give vm).'),
  user: safeText().required(),
  vmType: safeText().required(),
}).xor('vm', 'hostname');

export const listAssignmentsQuery = Joi.object({
  cloud: text.description('Only this cloud (name or alias); default every cloud.'),
  status: Joi.string()
    .valid(...Object.keys(TRACKER_STATUS))
    .description('Default: FREE and ASSIGNED.'),
  user: text,
  ...pageQuery,
});

export const listOperationsQuery = Joi.object({
  state: Joi.string().valid(...OPERATION_STATES),
  kind: text,
  cloud: text,
  ...pageQuery,
});

export const tokenBody = Joi.object({
  username: Joi.string().max(128).required(),
  password: Joi.string().max(1024).required(),
});
