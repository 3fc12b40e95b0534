// The shapes of /api/v2/status (one source for the spec and the example checks).
import Joi from 'joi';
import { FINDING_KINDS, RESOLUTIONS } from '../../../store/finding-store.js';
import { OPERATION_STATES } from '../../../domain/operation-model.js';
import { cloudParams, isoTime, text } from '../../http/primitive-schemas.js';

const int = Joi.number().integer();
const counts = Joi.object().pattern(Joi.string(), int);

export { cloudParams };
export const cloudQuery = Joi.object({ live: Joi.boolean().default(false).description("List the cloud's VMs now (one provider call) instead of showing the last reconcile pass.") });
export const sinceQuery = Joi.object({ since: isoTime.description('Only VMs requested at or after this time.') });
export const failuresQuery = sinceQuery.keys({
  type: Joi.string().valid('boot', 'image').required().description('boot: VMs that reached error (or never ran within bootTimeoutMs), with the fault; image: failures per image.'),
});

export const summarySchema = Joi.object({
  version: Joi.string().required(),
  startedAt: isoTime.required(),
  uptimeSeconds: int.min(0).required(),
  draining: Joi.boolean().required(),
  logLevel: Joi.string().required(),
  tracker: Joi.string().valid('builtin', 'cistern').required(),
  defaultCloud: Joi.string().required(),
  clouds: Joi.array().items(Joi.string()).required(),
  mine: Joi.object({ clusters: int.required(), vms: int.required() }).description(
    "The caller's clusters, and the VMs the caller started that the tracker still holds (docklet's clustercnt).",
  ),
  instanceId: Joi.string().required().description('The instance that answered.'),
  instances: Joi.array()
    .items(
      Joi.object({
        id: Joi.string().required(),
        host: Joi.string().required(),
        pid: int.required(),
        version: Joi.string().required(),
        startedAt: isoTime.required(),
        lastHeartbeatAt: isoTime.required(),
        leaseUntil: isoTime.required(),
      }).id('Instance'),
    )
    .required()
    .description('Every live instance over this database (its lease has not run out).'),
  workers: Joi.array()
    .items(Joi.object({ worker: Joi.string().required(), instanceId: Joi.string().required(), since: isoTime.required() }).id('WorkerHolder'))
    .required()
    .description('Which live instance runs each singleton worker (reconciler, startup-poller, recovery).'),
}).id('StatusSummary');

export const cloudStatusSchema = Joi.object({
  name: Joi.string().required(),
  driver: Joi.string().required(),
  displayName: Joi.string().required(),
  default: Joi.boolean().required(),
  enabled: Joi.boolean().required(),
  aliases: Joi.array().items(Joi.string()).required(),
  allocation: Joi.object({ used: int.required(), total: int.allow(null).required() }).required(),
  tracked: Joi.object({ free: int.required(), assigned: int.required(), faulty: int.required(), released: int.required(), retiring: int.required() }).required(),
  vms: Joi.object({ source: Joi.string().valid('live', 'reconciler').required(), observedAt: isoTime.required(), total: int.required(), byState: counts.required() })
    .allow(null)
    .required()
    .description("VMs by the cloud's own state; null before any reconcile pass (ask ?live=true)."),
  load: Joi.object({ inFlight: int.required(), queued: int.required() }).required(),
  error: Joi.string(),
}).id('CloudStatus');

export const configSchema = Joi.object().unknown(true).description('The configuration in effect, operator settings applied, every secret shown as [redacted].');

export const vmTotalsSchema = Joi.object({
  total: int.required(),
  byCloud: counts.required(),
  missing: Joi.object({ count: int.required(), lastPassAt: isoTime.allow(null).required() }).required(),
  findings: Joi.object(Object.fromEntries(FINDING_KINDS.map((k) => [k, int.required()])))
    .required()
    .description('Open reconcile findings by kind (see /status/vms/findings).'),
});

export const findingsQuery = Joi.object({ cloud: text.description('Only this cloud (a name or alias).') });

export const vmFindingSchema = Joi.object({
  cloud: Joi.string().required(),
  idVm: Joi.string().required(),
  kind: Joi.string()
    .valid(...FINDING_KINDS)
    .required()
    .description(
      "missing: we hold it, the cloud no longer lists it (assign answers 409 VmMissing until it reappears); unknown: the cloud lists it with this cloud's " +
        'ownership tag and nothing of ours records it; stuck-releasing: released, yet the cloud still lists it (destroyed again by each pass).',
    ),
  hostname: Joi.string().allow(null).required(),
  detail: Joi.string().allow(null).required().description('What was last seen or done (a destroy requested, its error).'),
  firstSeenAt: isoTime.required(),
  lastSeenAt: isoTime.required(),
  resolution: Joi.string()
    .valid(...RESOLUTIONS)
    .allow(null)
    .required()
    .description('null while open; what the orphan policy or an operator did (the row is kept until retention purges it).'),
  resolvedAt: isoTime.allow(null).required(),
  resolvedBy: Joi.string().allow(null).required(),
}).id('VmFinding');

export const findingsSchema = Joi.object({
  lastPassAt: isoTime.allow(null).required().description("This instance's last full pass (findings themselves are kept in the store)."),
  count: Joi.number().integer().min(0).required().description('How many findings there are (what a non-admin sees).'),
  items: Joi.array().items(vmFindingSchema).required().description('The findings (admins only; empty for other users).'),
});

/** A VM the tracker or our records hold that the cloud no longer lists (status and admin reconcile share it). */
export const missingVmSchema = Joi.object({
  cloud: Joi.string().required(),
  idVm: Joi.string().required(),
  hostname: Joi.string().allow(null).required(),
  trackerStatus: Joi.string().allow(null).required(),
  recorded: Joi.boolean().required(),
  missingSince: isoTime.required(),
}).id('MissingVm');

export const missingSchema = Joi.object({
  lastPassAt: isoTime.allow(null).required(),
  count: int.required().description('How many VMs the last pass found missing.'),
  vms: Joi.array().items(missingVmSchema).required().description('The findings themselves: admins only (empty for other roles).'),
});

const stats = {
  count: int.required(),
  minMs: Joi.number().required(),
  medianMs: Joi.number().required(),
  p95Ms: Joi.number().required(),
  maxMs: Joi.number().required(),
};

export const startupSchema = Joi.object({
  clouds: Joi.array()
    .items(Joi.object({ cloud: Joi.string().required(), ...stats, images: Joi.array().items(Joi.object({ image: Joi.string().required(), ...stats })).required() }))
    .required(),
}).description('Create requested → first seen running, per cloud and image (median; p95 by nearest rank).');

export const failuresSchema = Joi.alternatives().try(
  Joi.object({
    type: Joi.string().valid('boot').required(),
    total: int.required(),
    byCloud: counts.required(),
    byKind: counts.required(),
    recent: Joi.array()
      .items(
        Joi.object({
          cloud: Joi.string().required(),
          idVm: Joi.string().required(),
          name: Joi.string().required(),
          image: Joi.string().required(),
          kind: Joi.string().required(),
          fault: Joi.string().allow(null).required(),
          requestedAt: isoTime.required(),
          failedAt: isoTime.required(),
        }),
      )
      .required(),
  }),
  Joi.object({
    type: Joi.string().valid('image').required(),
    images: Joi.array()
      .items(
        Joi.object({
          cloud: Joi.string().required(),
          image: Joi.string().required(),
          created: int.required(),
          failed: int.required(),
          failureRate: Joi.number().min(0).max(1).required(),
          lastFault: Joi.string().allow(null).required(),
        }),
      )
      .required(),
  }),
);

export const operationCountsSchema = Joi.object(Object.fromEntries(OPERATION_STATES.map((s) => [s, int.required()])));

export const heartbeatSchema = Joi.object({
  worker: Joi.string().required(),
  intervalMs: int.required(),
  running: Joi.boolean().required(),
  startedAt: isoTime.required(),
  lastBeatAt: isoTime.allow(null).required(),
  secondsSinceLastBeat: Joi.number().allow(null).required(),
  late: Joi.boolean().required().description('Running and no beat for two intervals (plus a second).'),
  lastError: Joi.string().allow(null).required(),
  rounds: int.required(),
}).id('Heartbeat');
