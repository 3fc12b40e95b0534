// The Query API actions the driver uses, each answering EC2's XML. Pagination as EC2 does it:
// MaxResults (5..1000) caps a page, the server's own page size caps it further, NextToken resumes.
import type { Ec2Cloud } from './ec2-cloud-state.js';
import { createImage, deregisterImage } from './ec2-image-actions.js';
import { Ec2ApiError, filtersOf, permissionKeysOf, type QueryParams } from './ec2-query-parser.js';
import { el, imageXml, instanceTypeXml, instanceXml, items, reservationSetXml, response, securityGroupXml } from './ec2-xml.js';

export interface ActionContext {
  cloud: Ec2Cloud;
  params: QueryParams;
  requestId: string;
  /** The server's largest page, whatever MaxResults asks. */
  pageSize: number;
}

type Handler = (ctx: ActionContext) => string;

function page<T>(ctx: ActionContext, all: T[], action: string, maxRange: [number, number] = [5, 1000]): { slice: T[]; nextToken?: string } {
  const max = ctx.params.int('MaxResults');
  if (max !== undefined && (max < maxRange[0] || max > maxRange[1])) {
    throw new Ec2ApiError('InvalidParameterValue', `Value (${max}) for parameter maxResults is invalid. Expecting a value between ${maxRange[0]} and ${maxRange[1]}.`);
  }
  const size = Math.min(max ?? ctx.pageSize, ctx.pageSize);
  const token = ctx.params.get('NextToken');
  let offset = 0;
  if (token !== undefined) {
    const match = /^([A-Za-z]+)\.(\d+)$/.exec(Buffer.from(token, 'base64url').toString('utf8'));
    if (!match || match[1] !== action) throw new Ec2ApiError('InvalidParameterValue', 'The NextToken is invalid.');
    offset = Number(match[2]);
  }
  const slice = all.slice(offset, offset + size);
  const next = offset + size < all.length ? Buffer.from(`${action}.${offset + size}`).toString('base64url') : undefined;
  return { slice, nextToken: next };
}

function ids(ctx: ActionContext): string[] {
  const list = ctx.params.list('InstanceId');
  if (list.length === 0) throw new Ec2ApiError('MissingParameter', 'The request must contain the parameter InstanceId');
  return list;
}

function stateChanges(ctx: ActionContext, action: 'terminate' | 'stop' | 'start'): string {
  return items('instancesSet', ctx.cloud.change(action, ids(ctx)), (c) =>
    el('instanceId', c.id) +
    `<currentState>${el('code', 0)}${el('name', c.current)}</currentState>` +
    `<previousState>${el('code', 0)}${el('name', c.previous)}</previousState>`,
  );
}

export const ACTIONS: Record<string, Handler> = {
  CreateImage: createImage,
  DeregisterImage: deregisterImage,
  DescribeInstances(ctx) {
    const wanted = ctx.params.list('InstanceId');
    if (wanted.length > 0 && ctx.params.get('MaxResults') !== undefined) {
      throw new Ec2ApiError('InvalidParameterCombination', 'The parameter instancesSet cannot be used with the parameter maxResults');
    }
    const found = ctx.cloud.describeInstances(wanted, filtersOf(ctx.params));
    const { slice, nextToken } = page(ctx, found, 'DescribeInstances');
    return reservationSetXml(slice, ctx.cloud.accountId) + el('nextToken', nextToken);
  },

  RunInstances(ctx) {
    const { reservationId, instances } = ctx.cloud.runInstances(ctx.params);
    // Tags are left out on purpose: the driver must not rely on RunInstances echoing them.
    return (
      el('reservationId', reservationId) +
      el('ownerId', ctx.cloud.accountId) +
      '<groupSet/>' +
      items('instancesSet', instances, (i) => instanceXml(i, false))
    );
  },

  TerminateInstances: (ctx) => stateChanges(ctx, 'terminate'),
  StopInstances: (ctx) => stateChanges(ctx, 'stop'),
  StartInstances: (ctx) => stateChanges(ctx, 'start'),
  RebootInstances(ctx) {
    ctx.cloud.change('reboot', ids(ctx));
    return el('return', true);
  },

  DescribeImages(ctx) {
    const images = ctx.cloud.describeImages(ctx.params.list('ImageId'), ctx.params.list('Owner'), filtersOf(ctx.params));
    const { slice, nextToken } = page(ctx, images, 'DescribeImages');
    return items('imagesSet', slice, imageXml) + el('nextToken', nextToken);
  },

  DescribeInstanceTypes(ctx) {
    const types = ctx.cloud.describeInstanceTypes(ctx.params.list('InstanceType'));
    const { slice, nextToken } = page(ctx, types, 'DescribeInstanceTypes', [5, 100]);
    return items('instanceTypeSet', slice, instanceTypeXml) + el('nextToken', nextToken);
  },

  DescribeKeyPairs(ctx) {
    const names = ctx.params.list('KeyName');
    for (const n of names) if (!ctx.cloud.keyPairs.includes(n)) throw new Ec2ApiError('InvalidKeyPair.NotFound', `The key pair '${n}' does not exist`);
    const chosen = ctx.cloud.keyPairs.filter((k) => names.length === 0 || names.includes(k));
    return items('keySet', chosen, (k) => el('keyPairId', `key-${Buffer.from(k).toString('hex')}`) + el('keyName', k) + el('keyFingerprint', `fp:${k}`));
  },

  DescribeSecurityGroups(ctx) {
    const wanted = ctx.params.list('GroupId');
    const groups = wanted.length > 0 ? wanted.map((id) => ctx.cloud.group(id)) : [...ctx.cloud.groups.values()];
    const { slice, nextToken } = page(ctx, groups, 'DescribeSecurityGroups');
    return items('securityGroupInfo', slice, (g) => securityGroupXml(g, ctx.cloud.accountId)) + el('nextToken', nextToken);
  },

  AuthorizeSecurityGroupIngress(ctx) {
    const group = ctx.cloud.group(ctx.params.get('GroupId') ?? '');
    const keys = permissionKeysOf(ctx.params);
    const dup = keys.find((k) => group.rules.has(k));
    if (dup) throw new Ec2ApiError('InvalidPermission.Duplicate', `the specified rule "peer: ${dup}" already exists`);
    for (const k of keys) group.rules.add(k);
    return el('return', true);
  },

  RevokeSecurityGroupIngress(ctx) {
    const group = ctx.cloud.group(ctx.params.get('GroupId') ?? '');
    const keys = permissionKeysOf(ctx.params);
    const missing = keys.find((k) => !group.rules.has(k));
    if (missing) throw new Ec2ApiError('InvalidPermission.NotFound', 'The specified rule does not exist in this security group.');
    for (const k of keys) group.rules.delete(k);
    return el('return', true);
  },
};

export function answer(action: string, ctx: ActionContext): string {
  const handler = Object.hasOwn(ACTIONS, action) ? ACTIONS[action] : undefined;
  if (!handler) throw new Ec2ApiError('InvalidAction', `The action ${action} is not valid for this web service.`);
  return response(action, ctx.requestId, handler(ctx));
}
