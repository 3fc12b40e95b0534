// The one map from Nova's server status (refined by the task in progress) to our states.
// Nova's `status` lags behind what the user asked: a server being stopped is still ACTIVE with
// task_state powering-off, so the task decides while one runs.
import type { VmState } from '../../domain/vm-model.js';

export const NOVA_STATUS_MAP: Readonly<Record<string, VmState>> = {
  BUILD: 'pending',
  REBUILD: 'pending',
  ACTIVE: 'running',
  SHUTOFF: 'stopped',
  STOPPED: 'stopped',
  // Paused, suspended and shelved servers are not running and come back only when resumed.
  PAUSED: 'stopped',
  SUSPENDED: 'stopped',
  SHELVED: 'stopped',
  SHELVED_OFFLOADED: 'stopped',
  REBOOT: 'rebooting',
  HARD_REBOOT: 'rebooting',
  // Resizes, migrations and rescues: the server is in flux, not usable as it was (libcloud: PENDING).
  RESIZE: 'pending',
  MIGRATING: 'pending',
  REVERT_RESIZE: 'pending',
  RESCUE: 'pending',
  VERIFY_RESIZE: 'running',
  PASSWORD: 'running',
  DELETED: 'terminated',
  SOFT_DELETED: 'terminated',
  ERROR: 'error',
  // From 2.69 a server in a cell that does not answer is listed with status UNKNOWN.
  UNKNOWN: 'unknown',
};

export const NOVA_TASK_STATE_MAP: Readonly<Record<string, VmState>> = {
  'powering-off': 'stopping',
  'powering-on': 'pending',
  deleting: 'stopping',
  'soft-deleting': 'stopping',
  rebooting: 'rebooting',
  reboot_pending: 'rebooting',
  reboot_started: 'rebooting',
  rebooting_hard: 'rebooting',
  reboot_pending_hard: 'rebooting',
  reboot_started_hard: 'rebooting',
  scheduling: 'pending',
  block_device_mapping: 'pending',
  networking: 'pending',
  spawning: 'pending',
  rebuilding: 'pending',
};

/** Statuses that are final whatever task Nova still reports. */
const FINAL: ReadonlySet<string> = new Set(['DELETED', 'SOFT_DELETED', 'ERROR']);

export function novaState(status: string | undefined, taskState?: string | null): VmState {
  const upper = (status ?? '').toUpperCase();
  if (!FINAL.has(upper) && taskState) {
    const byTask = NOVA_TASK_STATE_MAP[taskState];
    if (byTask) return byTask;
  }
  return NOVA_STATUS_MAP[upper] ?? 'unknown';
}
