// What one EC2 driver remembers of its recent launches, to bridge EC2's eventual consistency:
// right after RunInstances, DescribeInstances may not know the instance (by id or by tag) yet.
import { DispatcherError } from '../../domain/errors.js';
import { OWNERSHIP_KEYS, type Vm } from '../../domain/vm-model.js';

/** How many request ids are remembered, so memory stays bounded however many creates run. */
const REMEMBERED_REQUESTS = 1000;

export class Ec2Launches {
  /** VMs just launched, answered while DescribeInstances may not know them yet. */
  private readonly launched = new Map<string, { vm: Vm; until: number }>();
  /** The ownership timestamp per request id, so a repeated create sends identical tags. */
  private readonly tagTimes = new Map<string, Date>();
  /** Creates sent whose answer never came (timeout, cut connection, 5xx): when they were sent. */
  private readonly unanswered = new Map<string, number>();

  constructor(
    private readonly windowMs: number,
    private readonly now: () => number,
  ) {}

  tagTime(requestId: string): Date {
    let at = this.tagTimes.get(requestId);
    if (!at) {
      at = new Date(this.now());
      remember(this.tagTimes, requestId, at);
    }
    return at;
  }

  answered(vm: Vm, requestId: string): void {
    const now = this.now();
    for (const [id, entry] of this.launched) if (entry.until <= now) this.launched.delete(id);
    this.launched.set(vm.id, { vm, until: now + this.windowMs });
    this.unanswered.delete(requestId);
  }

  /**
   * Rethrows a create's error, first noting the request when its outcome is unknown (no answer, a
   * 5xx): until the window passes, "no such instance" is not believed for it.
   */
  failed(requestId: string, err: unknown, sentAt: number): never {
    const refused = err instanceof DispatcherError && (err.status < 500 || err.kind === 'throttled' || err.kind === 'credentials-expired');
    if (!refused) remember(this.unanswered, requestId, sentAt);
    throw err;
  }

  /** The launched VM while DescribeInstances may still miss it. */
  recent(id: string): Vm | undefined {
    const entry = this.launched.get(id);
    if (entry && this.now() < entry.until) return { ...entry.vm };
    this.launched.delete(id);
    return undefined;
  }

  recentByRequestId(requestId: string): Vm | undefined {
    const now = this.now();
    const entry = [...this.launched.values()].find((e) => e.vm.metadata[OWNERSHIP_KEYS.requestId] === requestId && now < e.until);
    return entry && { ...entry.vm };
  }

  forget(id: string): void {
    this.launched.delete(id);
  }

  /** Throws `unavailable` while an unanswered create of this request id may still be invisible. */
  checkAbsenceSettled(requestId: string): void {
    const sentAt = this.unanswered.get(requestId);
    const now = this.now();
    if (sentAt === undefined || now >= sentAt + this.windowMs) return;
    throw new DispatcherError('unavailable', `EC2 may not list an instance launched ${now - sentAt} ms ago yet`, {
      code: 'NotYetConsistent',
      retryAfterMs: sentAt + this.windowMs - now,
    });
  }
}

function remember<V>(map: Map<string, V>, key: string, value: V): void {
  map.set(key, value);
  if (map.size > REMEMBERED_REQUESTS) map.delete(map.keys().next().value as string);
}
