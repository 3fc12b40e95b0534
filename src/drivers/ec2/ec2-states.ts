// EC2's instance states and state reasons, translated once into the domain's VmState.
import type { VmState } from '../../domain/vm-model.js';

export const EC2_STATE_MAP: Readonly<Record<string, VmState>> = {
  pending: 'pending',
  running: 'running',
  // On its way to terminated: nothing can be done with it any more, as with a stopping one.
  'shutting-down': 'stopping',
  terminated: 'terminated',
  stopping: 'stopping',
  stopped: 'stopped',
};

/** Every state but terminated: what "the VMs of the cloud" means (and the server-side filter for it). */
export const LIVE_EC2_STATES = ['pending', 'running', 'shutting-down', 'stopping', 'stopped'] as const;

/**
 * State reasons that mean the instance did not end where its owner wanted: a launch that failed or
 * the platform stopping it. User-initiated shutdowns, spot reclaims and scheduled retirements
 * are ordinary endings, not faults.
 */
const ORDINARY_SERVER_REASONS = new Set(['Server.ScheduledStop', 'Server.SpotInstanceShutdown', 'Server.SpotInstanceTermination']);
const CLIENT_FAULT_REASONS = new Set(['Client.InternalError', 'Client.InvalidSnapshot.NotFound', 'Client.VolumeLimitExceeded']);

export function isFaultReason(code: string | undefined): boolean {
  if (!code) return false;
  if (code.startsWith('Server.')) return !ORDINARY_SERVER_REASONS.has(code);
  return CLIENT_FAULT_REASONS.has(code);
}

export interface Ec2StateInput {
  stateName?: string;
  reasonCode?: string;
  reasonMessage?: string;
}

/** The domain state and, when the instance stopped or is dying because of a fault, why. */
export function vmStateOf({ stateName, reasonCode, reasonMessage }: Ec2StateInput): { state: VmState; fault?: string } {
  const mapped = (stateName && EC2_STATE_MAP[stateName]) || 'unknown';
  if (!isFaultReason(reasonCode)) return { state: mapped };
  const fault = reasonMessage || reasonCode;
  // A terminated instance stays terminated (getVm hides it); a stopping/stopped one is broken.
  return { state: mapped === 'stopping' || mapped === 'stopped' ? 'error' : mapped, fault };
}
