// Request shapes and the pagination loop the EC2 driver shares between its operations.
import { createHash } from 'node:crypto';
import type { Instance, IpPermission, Reservation } from '@aws-sdk/client-ec2';
import { DispatcherError } from '../../domain/errors.js';
import type { PortRule } from '../../domain/vm-model.js';

/** Calls `fetch` with each NextToken until there is none, or `take` says it has enough. */
export async function paginate<P extends { NextToken?: string }>(fetch: (token?: string) => Promise<P>, take: (page: P) => boolean | void): Promise<void> {
  const seen = new Set<string>();
  let token: string | undefined;
  do {
    const page = await fetch(token);
    if (take(page) === true) return;
    token = page.NextToken || undefined;
    if (token !== undefined && seen.has(token)) {
      throw new DispatcherError('provider-fault', 'EC2 repeated a pagination token', { code: 'PaginationLoop' });
    }
    if (token !== undefined) seen.add(token);
  } while (token !== undefined);
}

export function instancesOf(reservations: Reservation[] | undefined): Instance[] {
  return (reservations ?? []).flatMap((r) => r.Instances ?? []);
}

/** EC2 filter values treat `*` and `?` as wildcards; a backslash makes them (and itself) literal. */
export function escapeFilterValue(value: string): string {
  return value.replace(/[\\*?]/g, (c) => `\\${c}`);
}

export function ipPermission(rule: PortRule): IpPermission {
  // ICMP has no ports: -1/-1 means every ICMP type and code.
  const [FromPort, ToPort] = rule.protocol === 'icmp' ? [-1, -1] : [rule.port, rule.port];
  const v6 = rule.cidr.includes(':');
  const ranges = v6 ? { Ipv6Ranges: [{ CidrIpv6: rule.cidr }] } : { IpRanges: [{ CidrIp: rule.cidr }] };
  return { IpProtocol: rule.protocol, FromPort, ToPort, ...ranges };
}

export function chunks<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** EC2 takes at most 64 ASCII characters as ClientToken; a longer request id is hashed to fit. */
export function clientToken(requestId: string): string {
  return requestId.length <= 64 && /^[\x20-\x7e]*$/.test(requestId) ? requestId : createHash('sha256').update(requestId).digest('hex');
}
