// The shapes of /api/v2/admin: request schemas the router validates with and response schemas
// the spec is generated from (one source for both).
import Joi from 'joi';
import { LOG_LEVELS } from '../../../config/config-schema.js';
import { pageQuery } from '../v2-schemas.js';
import { missingVmSchema, vmFindingSchema } from '../status/status-schemas.js';
import { ROLES } from '../../../store/user-store.js';
import { cloudLabel, username } from '../../http/name-schemas.js';
import { cloudParams, isoTime, text } from '../../http/primitive-schemas.js';

export { cloudParams };
export const vmParams = cloudParams.keys({ vm: text.required().description("The VM's id at the cloud, or its hostname.") });
export const aliasParams = Joi.object({ alias: text.required() });
export const usernameParams = Joi.object({ username: text.required() });
export const limitUserParams = Joi.object({ user: text.required().description("The tracker's user (whom VMs are assigned to).") });

export const logLevelBody = Joi.object({ level: Joi.string().valid(...LOG_LEVELS).required() });
const processScope = {
  scope: Joi.string().valid('process').required().description('Applies to the instance that answered only, not to the other instances over the database.'),
  instanceId: Joi.string().required().description('The instance that answered.'),
};
export const logLevelSchema = Joi.object({ level: Joi.string().required(), previous: Joi.string(), ...processScope });
export const drainSchema = Joi.object({ draining: Joi.boolean().required(), ...processScope });

const names = Joi.array().items(Joi.string());
export const reloadSchema = Joi.object({
  clouds: Joi.object({ added: names.required(), removed: names.required(), changed: names.required(), reconnected: names.required(), unchanged: names.required() })
    .required()
    .description('changed: same connection, new aliases/enabled/allocation; reconnected: new connection, the old one finishes its calls first.'),
  logLevel: Joi.object({ from: Joi.string().required(), to: Joi.string().required() }).allow(null).required(),
  restartRequired: names.required().description('Top-level config keys that changed but take effect only at the next start.'),
  warnings: names.required(),
}).id('ReloadReport');

export const passSchema = Joi.object({
  startedAt: isoTime.required(),
  finishedAt: isoTime.required(),
  durationMs: Joi.number().integer().min(0).required(),
  clouds: Joi.array()
    .items(
      Joi.object({
        cloud: Joi.string().required(),
        listed: Joi.number().integer().allow(null).required(),
        byState: Joi.object().pattern(Joi.string(), Joi.number().integer()).required(),
        tracked: Joi.number().integer().required(),
        missing: Joi.number().integer().required(),
        unknown: Joi.number().integer().required(),
        stuckReleasing: Joi.number().integer().required(),
        error: Joi.string(),
      }),
    )
    .required(),
  missing: Joi.array().items(missingVmSchema).required(),
  unknown: Joi.array().items(vmFindingSchema).required().description("VMs with a cloud's ownership tag and no record, as the pass left them (after the orphan policy)."),
  stuckReleasing: Joi.array().items(vmFindingSchema).required().description('Released VMs the cloud still listed; destroyed again.'),
  observed: Joi.object({ running: Joi.number().integer().required(), failed: Joi.number().integer().required() }).required(),
}).id('ReconcilePass');

export const auditQuery = Joi.object({
  action: text.description('Only this action (e.g. cloud.update).'),
  actor: text.description('Only this username.'),
  ...pageQuery,
});

export const auditEntrySchema = Joi.object({
  id: Joi.number().integer().required(),
  at: isoTime.required(),
  actor: Joi.string().required(),
  actorId: Joi.number().integer().allow(null).required(),
  action: Joi.string().required(),
  target: Joi.string().required(),
  params: Joi.object().unknown(true).required(),
  result: Joi.string().valid('ok', 'error').required(),
  status: Joi.number().integer().required(),
  message: Joi.string().allow(null).required(),
}).id('AuditEntry');

export const cloudAdminSchema = Joi.object({
  name: Joi.string().required(),
  driver: Joi.string().required(),
  default: Joi.boolean().required(),
  enabled: Joi.boolean().required(),
  allocation: Joi.number().integer().allow(null).required().description('The most VMs the dispatcher may hold there; null: no limit.'),
  used: Joi.number().integer().required().description('Tracker records of the cloud (free, assigned, faulty, released): what counts against the allocation.'),
  aliases: names.required(),
  config: Joi.object({ enabled: Joi.boolean().required(), allocation: Joi.number().integer().allow(null).required(), aliases: names.required() }).required(),
  overrides: Joi.object({ enabled: Joi.boolean(), allocation: Joi.alternatives().try(Joi.number().integer(), Joi.string().valid('unlimited')) }).required(),
}).id('CloudAdmin');

export const cloudChangesBody = Joi.object({
  enabled: Joi.boolean().allow(null).description('false refuses new starts and assignments (503); null hands it back to the config.'),
  allocation: Joi.alternatives()
    .try(Joi.number().integer().min(0), Joi.string().valid('unlimited'))
    .allow(null)
    .description("The most VMs we may hold there; 'unlimited' lifts a configured one; null hands it back to the config."),
})
  .or('enabled', 'allocation')
  .id('CloudChanges');

export const aliasSchema = Joi.object({ alias: Joi.string().required(), cloud: Joi.string().required(), origin: Joi.string().valid('config', 'operator').required() }).id('CloudAlias');
export const aliasBody = Joi.object({ alias: cloudLabel.required() });

const count = Joi.alternatives().try(Joi.number().integer().min(1), Joi.string().valid('all')).required();
export const cloudVmActionBody = Joi.object({
  action: Joi.string().valid('shutdown', 'retire').required().description('shutdown: destroy FREE VMs (never an assigned one); retire: FREE ones are destroyed, assigned ones take no new assignment and go when released.'),
  count: count.description("How many VMs, or 'all'."),
});
export const findingActionBody = Joi.object({
  action: Joi.string()
    .valid('adopt', 'destroy', 'forget', 'retry')
    .required()
    .description(
      'unknown VM: adopt (tracked FREE; built-in tracker only), destroy, or forget (left running, the finding kept as forgotten); ' +
        'stuck-releasing: retry (destroy again now); missing: forget (drop its tracker record and VM record).',
    ),
});

export const vmActionBody = Joi.object({
  action: Joi.string().valid('shutdown', 'retire', 'reset-override').required().description('reset-override clears the retiring flag.'),
});

export const vmActionResultSchema = Joi.object({
  idVm: Joi.string().required(),
  hostname: Joi.string().allow('').required(),
  result: Joi.string().valid('destroyed', 'already-gone', 'retiring', 'override-reset', 'no-override', 'forgotten', 'skipped', 'failed').required(),
  detail: Joi.string(),
}).id('AdminVmResult');

export const cloudVmActionResultSchema = Joi.object({
  action: Joi.string().required(),
  cloud: Joi.string().required(),
  results: Joi.array().items(vmActionResultSchema).required(),
});

export const forgottenSchema = Joi.object({ cloud: Joi.string().required(), forgotten: Joi.number().integer().required() });

export const userSchema = Joi.object({
  id: Joi.number().integer().required(),
  username: Joi.string().required(),
  role: Joi.string().valid(...ROLES).required(),
  active: Joi.boolean().required(),
  createdAt: isoTime.required(),
}).id('User');

export const createUserBody = Joi.object({
  username: username.required(),
  password: Joi.string().min(8).max(1024).required(),
  role: Joi.string().valid(...ROLES).default('user'),
});
export const updateUserBody = Joi.object({ role: Joi.string().valid(...ROLES), active: Joi.boolean() }).or('role', 'active');
export const passwordBody = Joi.object({ password: Joi.string().min(8).max(1024).required() });
export const revokedSchema = Joi.object({ revokedTokens: Joi.number().integer().required() });

export const userLimitSchema = Joi.object({
  user: Joi.string().required(),
  maxAssigned: Joi.number().integer().required(),
  held: Joi.number().integer().required().description('VMs assigned to the user now, over every cloud.'),
  updatedAt: isoTime.required(),
  updatedBy: Joi.string().required(),
}).id('UserLimit');
export const userLimitBody = Joi.object({ maxAssigned: Joi.number().integer().min(0).required() });
