// The EC2 Query API's request body: form-encoded flat keys with 1-based list indexes
// (`InstanceId.1`, `Filter.2.Value.1`, `TagSpecification.1.Tag.3.Key`).

export class QueryParams {
  constructor(private readonly map: ReadonlyMap<string, string>) {}

  static parse(body: string): QueryParams {
    return new QueryParams(new Map(new URLSearchParams(body)));
  }

  get(key: string): string | undefined {
    return this.map.get(key);
  }

  int(key: string): number | undefined {
    const raw = this.map.get(key);
    if (raw === undefined) return undefined;
    const n = Number(raw);
    if (!Number.isInteger(n)) throw new Ec2ApiError('InvalidParameterValue', `Value (${raw}) for parameter ${key} is invalid.`);
    return n;
  }

  /** `prefix.1`, `prefix.2`, … in index order. */
  list(prefix: string): string[] {
    return this.indexed(prefix).flatMap((n) => {
      const value = this.map.get(`${prefix}.${n}`);
      return value === undefined ? [] : [value];
    });
  }

  /** `prefix.N.*` as one QueryParams per N, in index order. */
  structs(prefix: string): QueryParams[] {
    return this.indexed(prefix).map((n) => {
      const head = `${prefix}.${n}.`;
      const sub = new Map<string, string>();
      for (const [k, v] of this.map) if (k.startsWith(head)) sub.set(k.slice(head.length), v);
      return new QueryParams(sub);
    });
  }

  entries(): Record<string, string> {
    return Object.fromEntries(this.map);
  }

  private indexed(prefix: string): number[] {
    const head = `${prefix}.`;
    const out = new Set<number>();
    for (const k of this.map.keys()) {
      if (!k.startsWith(head)) continue;
      const n = Number(k.slice(head.length).split('.')[0]);
      if (Number.isInteger(n) && n > 0) out.add(n);
    }
    return [...out].sort((a, b) => a - b);
  }
}

export interface QueryFilter {
  name: string;
  values: string[];
}

export function filtersOf(params: QueryParams): QueryFilter[] {
  return params.structs('Filter').map((f) => {
    const name = f.get('Name');
    if (!name) throw new Ec2ApiError('InvalidParameterValue', 'A filter has no Name.');
    return { name, values: f.list('Value') };
  });
}

export function tagsOf(params: QueryParams, resourceType: string): Record<string, string> {
  const tags: Record<string, string> = {};
  for (const spec of params.structs('TagSpecification')) {
    if (spec.get('ResourceType') !== resourceType) continue;
    for (const tag of spec.structs('Tag')) {
      const key = tag.get('Key');
      if (key === undefined) throw new Ec2ApiError('InvalidParameterValue', 'A tag has no Key.');
      if (key.startsWith('aws:')) throw new Ec2ApiError('InvalidParameterValue', 'Tag keys starting with aws: are reserved.');
      tags[key] = tag.get('Value') ?? '';
    }
  }
  if (Object.keys(tags).length > 50) throw new Ec2ApiError('TagLimitExceeded', 'More than 50 tags.');
  return tags;
}

/** One ingress rule, as `protocol:from:to:cidr` keys (one per range). */
export function permissionKeysOf(params: QueryParams): string[] {
  const keys: string[] = [];
  for (const p of params.structs('IpPermissions')) {
    const protocol = p.get('IpProtocol');
    if (!protocol) throw new Ec2ApiError('MissingParameter', 'The request must contain the parameter ipProtocol');
    const from = p.get('FromPort') ?? '-1';
    const to = p.get('ToPort') ?? '-1';
    const ranges = [...p.structs('IpRanges').map((r) => r.get('CidrIp')), ...p.structs('Ipv6Ranges').map((r) => r.get('CidrIpv6'))];
    for (const cidr of ranges) {
      if (!cidr) throw new Ec2ApiError('InvalidParameterValue', 'A range has no CIDR.');
      keys.push(`${protocol}:${from}:${to}:${cidr}`);
    }
  }
  if (keys.length === 0) throw new Ec2ApiError('MissingParameter', 'No IpPermissions given.');
  return keys;
}

/** An error EC2 answers in its `<Response><Errors>` form. */
export class Ec2ApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

/** EC2's filter wildcards: `*` any run, `?` one character, `\` makes the next one literal. */
export function wildcardMatch(pattern: string, value: string): boolean {
  let source = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '\\' && i + 1 < pattern.length) source += escapeRegex(pattern[++i]);
    else if (c === '*') source += '.*';
    else if (c === '?') source += '.';
    else source += escapeRegex(c);
  }
  return new RegExp(`^${source}$`, 's').test(value);
}

function escapeRegex(c: string): string {
  return c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
