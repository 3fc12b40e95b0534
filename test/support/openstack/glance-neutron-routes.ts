// Glance v2 images (paged with `next`) and Neutron security groups and rules of the test server.
// Neither project publishes sample files with the Nova/Keystone ones, so these bodies are built
// in the shapes of their API references.
import { randomUUID } from 'node:crypto';
import { TEST_CLOUD } from './keystone-routes.js';
import { glanceFault, neutronFault, page, reply, type Route } from './openstack-route-kit.js';
import type { TestImage } from './nova-servers.js';

export interface SecurityGroupRule {
  id: string;
  security_group_id: string;
  direction: string;
  ethertype: string;
  protocol: string | null;
  port_range_min: number | null;
  port_range_max: number | null;
  remote_ip_prefix: string | null;
  remote_group_id: string | null;
  project_id: string;
}

export interface SecurityGroup {
  id: string;
  name: string;
  project_id: string;
  description: string;
}

export class NeutronState {
  /** Another project's `default` comes first: a lookup by name alone would pick it. */
  readonly groups: SecurityGroup[] = [
    { id: randomUUID(), name: 'default', project_id: TEST_CLOUD.otherProjectId, description: 'Default security group' },
    { id: randomUUID(), name: 'default', project_id: TEST_CLOUD.projectId, description: 'Default security group' },
    { id: randomUUID(), name: 'web', project_id: TEST_CLOUD.projectId, description: 'web servers' },
  ];
  readonly rules = new Map<string, SecurityGroupRule>();

  constructor() {
    for (const group of this.groups) {
      for (const ethertype of ['IPv4', 'IPv6']) this.add({ security_group_id: group.id, direction: 'egress', ethertype }, group.project_id);
    }
  }

  /** The ingress rules of one of the test project's groups. */
  ingressRules(groupName: string): SecurityGroupRule[] {
    const group = this.groups.find((g) => g.name === groupName && g.project_id === TEST_CLOUD.projectId);
    return [...this.rules.values()].filter((r) => r.security_group_id === group?.id && r.direction === 'ingress');
  }

  add(fields: Partial<SecurityGroupRule>, projectId: string): SecurityGroupRule {
    const rule: SecurityGroupRule = {
      id: randomUUID(),
      security_group_id: '',
      direction: 'ingress',
      ethertype: 'IPv4',
      protocol: null,
      port_range_min: null,
      port_range_max: null,
      remote_ip_prefix: null,
      remote_group_id: null,
      ...fields,
      project_id: projectId,
    };
    this.rules.set(rule.id, rule);
    return rule;
  }
}

const RULE_KEYS = ['direction', 'ethertype', 'protocol', 'port_range_min', 'port_range_max', 'remote_ip_prefix', 'remote_group_id'] as const;

export function neutronRoutes(state: NeutronState): Route[] {
  return [
    {
      method: 'GET',
      pattern: /^\/v2\.0\/security-groups$/,
      label: 'GET /network/v2.0/security-groups',
      handle: ({ query }) => {
        const groups = state.groups.filter((g) => matches(g as unknown as Record<string, unknown>, query));
        const withRules = groups.map((g) => ({
          ...g,
          tenant_id: g.project_id,
          security_group_rules: [...state.rules.values()].filter((r) => r.security_group_id === g.id),
        }));
        return reply(200, { security_groups: withRules });
      },
    },
    {
      method: 'POST',
      pattern: /^\/v2\.0\/security-group-rules$/,
      label: 'POST /network/v2.0/security-group-rules',
      handle: ({ body, projectId }) => {
        const wanted = (body as { security_group_rule?: Partial<SecurityGroupRule> })?.security_group_rule;
        const group = state.groups.find((g) => g.id === wanted?.security_group_id);
        if (!wanted || !group) return neutronFault(404, 'SecurityGroupNotFound', `Security group ${wanted?.security_group_id} does not exist`);
        const normalised = { ...wanted, protocol: wanted.protocol ?? null, remote_ip_prefix: wanted.remote_ip_prefix ?? null };
        const duplicate = [...state.rules.values()].find(
          (r) => r.security_group_id === group.id && RULE_KEYS.every((k) => (r[k] ?? null) === (normalised[k] ?? null)),
        );
        if (duplicate) return neutronFault(409, 'SecurityGroupRuleExists', `Security group rule already exists. Rule id is ${duplicate.id}.`);
        return reply(201, { security_group_rule: state.add(normalised, projectId ?? TEST_CLOUD.projectId) });
      },
    },
    {
      method: 'GET',
      pattern: /^\/v2\.0\/security-group-rules$/,
      label: 'GET /network/v2.0/security-group-rules',
      handle: ({ query }) => {
        const rules = [...state.rules.values()].filter((r) => matches(r as unknown as Record<string, unknown>, query));
        return reply(200, { security_group_rules: rules });
      },
    },
    {
      method: 'DELETE',
      pattern: /^\/v2\.0\/security-group-rules\/([^/]+)$/,
      label: 'DELETE /network/v2.0/security-group-rules/{id}',
      handle: ({ params }) =>
        state.rules.delete(params[0]) ? reply(204) : neutronFault(404, 'SecurityGroupRuleNotFound', `Security group rule ${params[0]} does not exist`),
    },
  ];
}

export function glanceRoutes(images: () => TestImage[], pageLimit: () => number): Route[] {
  return [
    {
      method: 'GET',
      pattern: /^\/v2\/images$/,
      label: 'GET /image/v2/images',
      handle: ({ query }) => {
        const status = query.get('status');
        const all = images().map(glanceImage).filter((i) => status === null || i.status === status);
        const paged = page(all, query, pageLimit());
        if (paged.badMarker) return glanceFault(400, 'Bad Request', `marker ${query.get('marker')} could not be found.`);
        const body: Record<string, unknown> = { images: paged.items, first: '/v2/images', schema: '/v2/schemas/images' };
        if (paged.nextMarker) {
          const next = new URLSearchParams(query);
          next.set('marker', paged.nextMarker);
          // Glance's next link is relative to its root, without the catalog's path prefix.
          body.next = `/v2/images?${next.toString()}`;
        }
        return reply(200, body);
      },
    },
    {
      method: 'GET',
      pattern: /^\/v2\/images\/([^/]+)$/,
      label: 'GET /image/v2/images/{id}',
      handle: ({ params }) => {
        const image = images().find((i) => i.id === params[0]);
        return image ? reply(200, glanceImage(image)) : glanceFault(404, 'Not Found', `No image found with ID ${params[0]}`);
      },
    },
    {
      method: 'DELETE',
      pattern: /^\/v2\/images\/([^/]+)$/,
      label: 'DELETE /image/v2/images/{id}',
      handle: ({ params }) => {
        const list = images();
        const at = list.findIndex((i) => i.id === params[0]);
        if (at < 0) return glanceFault(404, 'Not Found', `Failed to find image ${params[0]} to delete`);
        list.splice(at, 1);
        return reply(204);
      },
    },
  ];
}

function glanceImage(image: TestImage) {
  const created = '2024-05-02T10:00:00Z';
  return {
    id: image.id,
    name: image.name,
    status: image.activeAt !== undefined && Date.now() < image.activeAt ? 'saving' : 'active',
    ...image.metadata,
    visibility: 'public',
    protected: false,
    tags: [],
    container_format: 'bare',
    disk_format: 'qcow2',
    min_disk: 1,
    min_ram: 0,
    size: 21430272,
    virtual_size: 117440512,
    owner: TEST_CLOUD.projectId,
    created_at: created,
    updated_at: created,
    self: `/v2/images/${image.id}`,
    file: `/v2/images/${image.id}/file`,
    schema: '/v2/schemas/image',
  };
}

/** Neutron-style filters: every query parameter must equal the field (as a string). */
function matches(item: Record<string, unknown>, query: URLSearchParams): boolean {
  for (const [key, value] of query) {
    if (key === 'fields') continue;
    if (!(key in item) || String(item[key]) !== value) return false;
  }
  return true;
}
