// Placement as a pure function: given a snapshot of the clouds (enabled, room left, recent fault
// rate, whether the template exists there, how many of the group each already holds) and a
// policy, choose a cloud for each of `count` VMs, or say for every cloud why it cannot take one.
// No I/O here: placement-service.ts builds the snapshot, the tests build their own.
import type { PlacementPolicy } from '../store/cluster-store.js';

export interface CloudSnapshot {
  name: string;
  enabled: boolean;
  canCreate: boolean;
  /** The cloud's allocation (undefined: no limit) and what counts against it now. */
  allocation?: number;
  used: number;
  /** Share of recent calls that failed (0…1). */
  faultRate: number;
  /** Why the template cannot start there (no such image or size, catalog unavailable); undefined when it can. */
  templateProblem?: string;
  /** VMs of the same group (the cluster) already on this cloud: what spread evens out. */
  members: number;
}

export interface Placement {
  /** One cloud per VM placed, in order. */
  clouds: string[];
  /** Why each chosen cloud was chosen, and why each other cloud was not. */
  reasons: Record<string, string>;
  /** VMs that found no room (clouds.length + unplaced = count). */
  unplaced: number;
}

/** Clouds failing more than this share of recent calls take no new VM. */
export const UNHEALTHY_FAULT_RATE = 0.5;

export function place(snapshot: readonly CloudSnapshot[], policy: PlacementPolicy, count: number): Placement {
  const reasons: Record<string, string> = {};
  const named = policy.clouds ? new Set(policy.clouds) : undefined;
  const eligible: { cloud: CloudSnapshot; room: number; taken: number; weight: number }[] = [];
  for (const cloud of snapshot) {
    const refusal = refuse(cloud, named, policy);
    if (refusal) {
      reasons[cloud.name] = refusal;
      continue;
    }
    const room = cloud.allocation === undefined ? Number.POSITIVE_INFINITY : cloud.allocation - cloud.used;
    eligible.push({ cloud, room, taken: 0, weight: policy.weights?.[cloud.name] ?? 1 });
  }
  for (const name of named ?? []) if (!snapshot.some((c) => c.name === name)) reasons[name] = 'not a configured cloud';

  const clouds: string[] = [];
  for (let i = 0; i < count; i++) {
    const open = eligible.filter((e) => e.taken < e.room);
    if (open.length === 0) break;
    const next = open.reduce((best, e) => (better(e, best, policy.strategy) ? e : best));
    next.taken++;
    clouds.push(next.cloud.name);
  }
  for (const e of eligible) {
    if (e.taken > 0) reasons[e.cloud.name] = chosenReason(e, policy.strategy, count);
    else if (e.room <= 0) reasons[e.cloud.name] = `allocation of ${e.cloud.allocation} reached (${e.cloud.used} in use)`;
    else reasons[e.cloud.name] = `not needed: ${policy.strategy} placed every VM elsewhere`;
  }
  return { clouds, reasons, unplaced: count - clouds.length };
}

function refuse(cloud: CloudSnapshot, named: Set<string> | undefined, policy: PlacementPolicy): string | undefined {
  if (named && !named.has(cloud.name)) return 'not among the clouds the placement names';
  if (!cloud.enabled) return 'disabled by an operator';
  if (!cloud.canCreate) return 'its driver cannot create VMs';
  if (policy.strategy === 'weighted' && (policy.weights?.[cloud.name] ?? 1) <= 0) return 'weight 0';
  if (cloud.allocation !== undefined && cloud.used >= cloud.allocation) return `allocation of ${cloud.allocation} reached (${cloud.used} in use)`;
  if (cloud.faultRate > UNHEALTHY_FAULT_RATE) return `unhealthy: ${Math.round(cloud.faultRate * 100)} % of recent calls failed`;
  return cloud.templateProblem;
}

type Candidate = { cloud: CloudSnapshot; room: number; taken: number; weight: number };

/** Whether `a` should take the next VM rather than `b`; ties go to the cloud listed first (stable). */
function better(a: Candidate, b: Candidate, strategy: PlacementPolicy['strategy']): boolean {
  if (strategy === 'pack') return false; // the first open cloud in order fills up before the next
  if (strategy === 'weighted') return (a.cloud.members + a.taken + 1) / a.weight < (b.cloud.members + b.taken + 1) / b.weight;
  const held = (c: Candidate) => c.cloud.members + c.taken;
  if (held(a) !== held(b)) return held(a) < held(b);
  return a.cloud.faultRate < b.cloud.faultRate;
}

function chosenReason(e: Candidate, strategy: PlacementPolicy['strategy'], count: number): string {
  const share = `${e.taken} of ${count}`;
  if (strategy === 'pack') return `pack: ${share}, filling this cloud first (${e.room === Number.POSITIVE_INFINITY ? 'no allocation limit' : `room for ${e.room}`})`;
  if (strategy === 'weighted') return `weighted: ${share} at weight ${e.weight} (held ${e.cloud.members} before)`;
  return `spread: ${share}, evening out the group (held ${e.cloud.members} before; fault rate ${Math.round(e.cloud.faultRate * 100)} %)`;
}
