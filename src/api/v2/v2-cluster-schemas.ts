// The shapes of /api/v2/clusters and of placement (also taken by POST /api/v2/vms).
import Joi from 'joi';
import { VM_STATES } from '../../domain/vm-model.js';
import { TRACKER_STATUS } from '../../cistern/tracker.js';
import { CLUSTER_STATUSES, MEMBER_STATES } from '../../store/cluster-store.js';
import { isoTime, text } from '../http/primitive-schemas.js';

const metadata = Joi.object().pattern(Joi.string().max(255), Joi.string().max(255).allow('')).max(50);

export const placementBody = Joi.object({
  clouds: Joi.array().items(text).min(1).max(50).unique().description('Only these clouds (names or aliases); default every configured cloud.'),
  strategy: Joi.string().valid('spread', 'pack', 'weighted').default('spread').description(
    'spread: even out the group over the clouds; pack: fill the first cloud (in `clouds` order) to its allocation before the next; weighted: in proportion to `weights`.',
  ),
  weights: Joi.object().pattern(text, Joi.number().min(0).max(1000)).description('weighted only: relative share per cloud (default 1; 0 excludes).'),
}).id('Placement');

export const clusterTemplateBody = Joi.object({
  image: text.required().description('Image id or name.'),
  size: text.required().description('Size id or name.'),
  overrides: Joi.object()
    .pattern(text, Joi.object({ image: text, size: text }).or('image', 'size'))
    .description('Per cloud, the image / size names where they differ.'),
  metadata,
  userData: Joi.string().max(65536),
  keyName: text,
});

export const createClusterBody = Joi.object({
  name: Joi.string().pattern(/^[A-Za-z0-9][A-Za-z0-9-]{0,62}$/, 'host name').required().description('Members are named `<name>-<8 hex>`.'),
  size: Joi.number().integer().min(1).max(1000).required(),
  template: clusterTemplateBody.required(),
  placement: placementBody.default({ strategy: 'spread' }),
});

export const scaleClusterBody = Joi.object({
  size: Joi.number().integer().min(0).max(1000).required(),
  force: Joi.boolean().default(false).description('Scale-in may destroy ASSIGNED members (FREE ones go first anyway).'),
});

export const clusterActionBody = Joi.object({
  action: Joi.string().valid('start', 'stop', 'reboot', 'repair').required().description('repair: start replacements for failed members and for members whose VM is in error.'),
});

export const clusterParams = Joi.object({ id: text.required() });
export const memberParams = clusterParams.keys({ vm: text.required().description('The member VM id or name.') });
export const forceQuery = Joi.object({ force: Joi.boolean().default(false).description('Remove the member even when it is ASSIGNED.') });
export const clusterListQuery = Joi.object({ limit: Joi.number().integer().min(1).max(500).default(100) });

const memberSchema = Joi.object({
  name: Joi.string().required(),
  cloud: Joi.string().required(),
  vmId: Joi.string().allow(null).required(),
  state: Joi.string().valid(...MEMBER_STATES).required().description('The member: starting, active, removing (failed ones are under `failures`).'),
  vmState: Joi.string().valid(...VM_STATES).allow(null).required().description('What the cloud reports; null when the VM is not (or no longer) listed.'),
  publicIps: Joi.array().items(Joi.string()).required(),
  privateIps: Joi.array().items(Joi.string()).required(),
  vmStateFrom: Joi.string().valid('list', 'create').allow(null).required().description(
    'Where vmState and the IPs come from: list, the cloud\'s VM list asked for this answer; create, what the member\'s create answered (the 201 of a create with ?wait=true); null when not listed.',
  ),
  vmStateAt: isoTime.allow(null).required().description('When vmState and the IPs were seen (the listing, or the end of the member\'s start).'),
  trackerStatus: Joi.string().valid(...Object.keys(TRACKER_STATUS)).allow(null).required(),
  createdAt: isoTime.required(),
  startedAt: isoTime.allow(null).required(),
  links: Joi.object({ vm: Joi.string() }).required(),
}).id('ClusterMember');

const clusterFields = {
  id: Joi.string().required(),
  name: Joi.string().required(),
  status: Joi.string().valid(...CLUSTER_STATUSES).required(),
  desiredSize: Joi.number().integer().required(),
  actualSize: Joi.number().integer().required().description('Active members.'),
  clouds: Joi.object().pattern(Joi.string(), Joi.number().integer()).required().description('Active members per cloud.'),
  template: Joi.object({ image: Joi.string().required(), size: Joi.string().required(), overrides: Joi.object().unknown(true), metadata: Joi.object().unknown(true), keyName: Joi.string(), userData: Joi.boolean().description('Whether user data is set (never shown).') }).required(),
  placement: Joi.object().unknown(true).required(),
  createdAt: isoTime.required(),
  updatedAt: isoTime.required(),
  links: Joi.object({ self: Joi.string().required() }).required(),
};

export const clusterSummarySchema = Joi.object(clusterFields).id('ClusterSummary');
export const clusterSchema = Joi.object({
  ...clusterFields,
  members: Joi.array().items(memberSchema).required(),
  failures: Joi.array().items(Joi.object({ name: Joi.string().required(), cloud: Joi.string().required(), error: Joi.string().required(), at: isoTime.required() })).required(),
}).id('Cluster');
