// Pure formatting and state mapping for the dashboard (no DOM): unit-tested in node.

/** A VM, operation or tracker state → the badge tone the stylesheet colours. */
const TONES = {
  running: 'ok', succeeded: 'ok', done: 'ok', FREE: 'ok', ASSIGNED: 'info', enabled: 'ok',
  pending: 'busy', rebooting: 'busy', stopping: 'busy', queued: 'busy', starting: 'busy',
  stopped: 'muted', terminated: 'muted', RELEASED: 'muted', disabled: 'muted', unknown: 'muted',
  error: 'bad', failed: 'bad', FAULTY: 'bad', interrupted: 'warn', late: 'warn',
  // clusters and their members
  ready: 'ok', active: 'ok', degraded: 'warn', creating: 'busy', scaling: 'busy', deleting: 'busy', removing: 'busy',
};

export function stateTone(state) {
  return TONES[state] ?? 'muted';
}

/** Operations: `running` means still working, not a running VM. */
export function operationTone(state) {
  return state === 'running' ? 'busy' : stateTone(state);
}

export const TERMINAL_OPERATION_STATES = ['succeeded', 'failed', 'interrupted'];

export function isFinished(operation) {
  return TERMINAL_OPERATION_STATES.includes(operation?.state);
}

/** 2897 → "2.9 s", 65000 → "1 min 5 s", 12 → "12 ms". */
export function formatDuration(ms) {
  if (ms === null || ms === undefined || Number.isNaN(ms)) return '—';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`;
  const minutes = Math.floor(ms / 60_000);
  const seconds = Math.round((ms % 60_000) / 1000);
  if (minutes < 60) return seconds ? `${minutes} min ${seconds} s` : `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  return `${hours} h ${minutes % 60} min`;
}

/** An ISO time relative to `now`: "just now", "42 s ago", "5 min ago", "in 3 min", else the date. */
export function formatRelative(iso, now = Date.now()) {
  if (!iso) return 'never';
  const at = Date.parse(iso);
  if (Number.isNaN(at)) return '—';
  const diff = now - at;
  const abs = Math.abs(diff);
  if (abs < 5_000) return 'just now';
  const text = abs < 60_000 ? `${Math.round(abs / 1000)} s` : abs < 3_600_000 ? `${Math.round(abs / 60_000)} min` : abs < 86_400_000 ? `${Math.round(abs / 3_600_000)} h` : null;
  if (text === null) return new Date(at).toISOString().slice(0, 16).replace('T', ' ');
  return diff >= 0 ? `${text} ago` : `in ${text}`;
}

/** A ratio (0.123) → "12.3 %"; no data → "—". */
export function formatPercent(ratio) {
  if (ratio === null || ratio === undefined || !Number.isFinite(ratio)) return '—';
  return `${(ratio * 100).toFixed(ratio > 0 && ratio < 0.1 ? 1 : 0)} %`;
}

/** {used, total} → "3 / 10" or "3 / ∞", and how full (null when unlimited). */
export function allocationText(allocation) {
  if (!allocation) return { text: '—', ratio: null };
  const { used, total } = allocation;
  if (total === null || total === undefined) return { text: `${used} / ∞`, ratio: null };
  return { text: `${used} / ${total}`, ratio: total > 0 ? Math.min(1, used / total) : 1 };
}

/**
 * A cloud's boot failure rate: VMs that failed to boot over all boots that ended (reached running
 * per the startup-time report, or failed per the boot-failure report); null before any ended.
 */
export function cloudFaultRate(startupTimes, bootFailures, cloud) {
  const started = (startupTimes?.clouds ?? []).find((c) => c.cloud === cloud)?.count ?? 0;
  const failed = bootFailures?.byCloud?.[cloud] ?? 0;
  return started + failed === 0 ? null : failed / (started + failed);
}

/** VMs by state as display pairs, busiest states first; null (no reconcile pass yet) → []. */
export function stateCounts(byState) {
  if (!byState) return [];
  return Object.entries(byState)
    .filter(([, n]) => n > 0)
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
}

/** A problem+json (or any error) → one line for the person at the screen. */
export function problemMessage(problem) {
  if (!problem) return 'unknown error';
  if (typeof problem === 'string') return problem;
  const head = problem.detail || problem.message || problem.title || `HTTP ${problem.status ?? '?'}`;
  return problem.code && !head.includes(problem.code) ? `${head} (${problem.code})` : head;
}

/** The operation's steps as "resolve ✓ · create ✓ · track …". */
export function stepsSummary(steps) {
  return (steps ?? []).map((s) => `${s.step} ${s.state === 'done' ? '✓' : s.state === 'failed' ? '✗' : '…'}`).join(' · ');
}

export function ips(vm) {
  const all = [...(vm.publicIps ?? []), ...(vm.privateIps ?? [])];
  return all.length ? all.join(', ') : '—';
}

/** MiB → "2 GiB" / "512 MiB". */
export function formatMemory(mib) {
  if (mib === null || mib === undefined) return '—';
  return mib >= 1024 && mib % 1024 === 0 ? `${mib / 1024} GiB` : `${mib} MiB`;
}

export function sizeLabel(size) {
  const parts = [size.vcpus ? `${size.vcpus} vCPU` : null, size.ramMiB ? formatMemory(size.ramMiB) : null, size.diskGiB ? `${size.diskGiB} GiB disk` : null].filter(Boolean);
  return parts.length ? `${size.name} (${parts.join(', ')})` : size.name;
}
