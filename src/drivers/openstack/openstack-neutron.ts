// Neutron security-group rules behind /fw/open and /fw/close. Both are idempotent: Neutron's
// 409 SecurityGroupRuleExists means the port is already open, and a rule that is not there is
// already closed.
import { DispatcherError, isDispatcherError } from '../../domain/errors.js';
import type { Logger } from '../../log/logger.js';
import type { PortRule } from '../../domain/vm-model.js';
import type { OpenstackSession } from './openstack-session.js';

interface NeutronRule {
  id: string;
  direction?: string;
  ethertype?: string;
  protocol?: string | null;
  port_range_min?: number | null;
  port_range_max?: number | null;
  remote_ip_prefix?: string | null;
  remote_group_id?: string | null;
}

export class NeutronApi {
  constructor(
    private readonly session: OpenstackSession,
    private readonly logger: Logger,
  ) {}

  /** The id of a security group by name, within the token's project (names are unique nowhere else). */
  async securityGroupId(name: string, signal?: AbortSignal): Promise<string> {
    const projectId = (await this.session.auth.current()).projectId;
    const body = await this.session.json<{ security_groups?: { id: string; name: string }[] }>('network', 'GET', '/security-groups', {
      query: { name, project_id: projectId },
      signal,
    });
    const groups = (body?.security_groups ?? []).filter((g) => g.name === name);
    if (groups.length === 0) {
      throw new DispatcherError('conflict', `security group ${name} not found in the project`, { code: 'SecurityGroupNotFound' });
    }
    if (groups.length > 1) this.logger.warn({ name, ids: groups.map((g) => g.id) }, 'several security groups share this name; using the first');
    return groups[0].id;
  }

  async openPort(groupId: string, rule: PortRule, signal?: AbortSignal): Promise<void> {
    const wanted = ruleFields(rule);
    try {
      await this.session.request('network', 'POST', '/security-group-rules', {
        body: { security_group_rule: { security_group_id: groupId, ...wanted } },
        // Repeating a rule create is harmless: a second one is refused as a duplicate.
        safe: true,
        signal,
      });
    } catch (err) {
      if (isDispatcherError(err, 'conflict') && err.code === 'SecurityGroupRuleExists') return;
      throw err;
    }
  }

  async closePort(groupId: string, rule: PortRule, signal?: AbortSignal): Promise<void> {
    const wanted = ruleFields(rule);
    const body = await this.session.json<{ security_group_rules?: NeutronRule[] }>('network', 'GET', '/security-group-rules', {
      query: { security_group_id: groupId, direction: 'ingress', protocol: wanted.protocol, ethertype: wanted.ethertype },
      signal,
    });
    // Filtered again here: a Neutron that ignored one filter must not make us delete someone else's rule.
    const matching = (body?.security_group_rules ?? []).filter((r) => sameRule(r, wanted));
    for (const existing of matching) {
      await this.session.request('network', 'DELETE', `/security-group-rules/${encodeURIComponent(existing.id)}`, { accept: [404], signal });
    }
  }
}

interface RuleFields {
  direction: 'ingress';
  ethertype: 'IPv4' | 'IPv6';
  protocol: string;
  remote_ip_prefix: string;
  port_range_min?: number;
  port_range_max?: number;
}

/** ICMP has no ports: the rule opens all of ICMP for the CIDR. */
export function ruleFields(rule: PortRule): RuleFields {
  const ipv6 = rule.cidr.includes(':');
  const fields: RuleFields = {
    direction: 'ingress',
    ethertype: ipv6 ? 'IPv6' : 'IPv4',
    protocol: rule.protocol === 'icmp' && ipv6 ? 'ipv6-icmp' : rule.protocol,
    remote_ip_prefix: rule.cidr,
  };
  if (rule.protocol !== 'icmp') {
    fields.port_range_min = rule.port;
    fields.port_range_max = rule.port;
  }
  return fields;
}

function sameRule(rule: NeutronRule, wanted: RuleFields): boolean {
  const anyAddress = wanted.remote_ip_prefix === '0.0.0.0/0' || wanted.remote_ip_prefix === '::/0';
  const prefixMatches =
    rule.remote_ip_prefix === wanted.remote_ip_prefix || (anyAddress && rule.remote_ip_prefix == null && rule.remote_group_id == null);
  return (
    rule.direction === 'ingress' &&
    rule.ethertype === wanted.ethertype &&
    rule.protocol === wanted.protocol &&
    (rule.port_range_min ?? undefined) === wanted.port_range_min &&
    (rule.port_range_max ?? undefined) === wanted.port_range_max &&
    prefixMatches
  );
}
