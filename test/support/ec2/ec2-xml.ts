// EC2's XML answers: `<ActionResponse xmlns=…><requestId/>…</ActionResponse>`, lists as `<item>`s,
// and errors as `<Response><Errors><Error><Code/><Message/></Error></Errors><RequestID/></Response>`.
import { STATE_CODES, type ServerImage, type ServerInstance, type ServerInstanceType, type ServerSecurityGroup } from './ec2-cloud-model.js';

export const EC2_XMLNS = 'http://ec2.amazonaws.com/doc/2016-11-15/';

export function esc(value: string): string {
  return value.replace(/[<>&"']/g, (c) => `&${{ '<': 'lt', '>': 'gt', '&': 'amp', '"': 'quot', "'": 'apos' }[c]};`);
}

/** `<name>value</name>`, or nothing when the value is absent. */
export function el(name: string, value: string | number | boolean | undefined | null): string {
  return value === undefined || value === null ? '' : `<${name}>${esc(String(value))}</${name}>`;
}

export function items<T>(name: string, list: readonly T[], render: (item: T) => string): string {
  return `<${name}>${list.map((x) => `<item>${render(x)}</item>`).join('')}</${name}>`;
}

export function response(action: string, requestId: string, inner: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<${action}Response xmlns="${EC2_XMLNS}">${el('requestId', requestId)}${inner}</${action}Response>`;
}

export function errorResponse(code: string, message: string, requestId: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error>${el('Code', code)}${el('Message', message)}</Error></Errors>${el('RequestID', requestId)}</Response>`;
}

function tagSet(tags: Record<string, string>): string {
  return items('tagSet', Object.entries(tags), ([k, v]) => el('key', k) + el('value', v));
}

function stateXml(name: keyof typeof STATE_CODES): string {
  return el('code', STATE_CODES[name]) + el('name', name);
}

export function instanceXml(i: ServerInstance, withTags = true): string {
  return [
    el('instanceId', i.id),
    el('imageId', i.imageId),
    `<instanceState>${stateXml(i.state)}</instanceState>`,
    el('privateDnsName', `ip-${i.privateIp.replaceAll('.', '-')}.ec2.internal`),
    el('dnsName', i.publicIp ? `ec2-${i.publicIp.replaceAll('.', '-')}.compute-1.amazonaws.com` : ''),
    el('reason', i.reason?.message ?? ''),
    el('keyName', i.keyName),
    el('amiLaunchIndex', 0),
    el('instanceType', i.instanceType),
    el('launchTime', i.launchTime.toISOString()),
    `<placement>${el('availabilityZone', 'us-east-1a')}${el('tenancy', 'default')}</placement>`,
    `<monitoring>${el('state', 'disabled')}</monitoring>`,
    el('subnetId', i.subnetId),
    el('vpcId', i.vpcId),
    el('privateIpAddress', i.privateIp),
    el('ipAddress', i.publicIp),
    items('groupSet', i.groupIds, (g) => el('groupId', g) + el('groupName', g.endsWith('1') ? 'default' : 'web')),
    i.reason ? `<stateReason>${el('code', i.reason.code)}${el('message', i.reason.message)}</stateReason>` : '',
    el('architecture', 'x86_64'),
    el('rootDeviceType', 'ebs'),
    el('clientToken', i.clientToken ?? ''),
    withTags && Object.keys(i.tags).length > 0 ? tagSet(i.tags) : '',
  ].join('');
}

/** Instances grouped back into the reservations they were launched in, page order kept. */
export function reservationSetXml(instances: ServerInstance[], ownerId: string): string {
  const groups = new Map<string, ServerInstance[]>();
  for (const i of instances) groups.set(i.reservationId, [...(groups.get(i.reservationId) ?? []), i]);
  return items('reservationSet', [...groups.entries()], ([rid, list]) =>
    el('reservationId', rid) + el('ownerId', ownerId) + '<groupSet/>' + items('instancesSet', list, (i) => instanceXml(i)),
  );
}

export function imageXml(image: ServerImage): string {
  return [
    el('imageId', image.id),
    el('imageLocation', `${image.ownerAlias ?? image.ownerId}/${image.name}`),
    el('imageState', image.availableAt !== undefined && Date.now() < image.availableAt ? 'pending' : (image.state ?? 'available')),
    el('imageOwnerId', image.ownerId),
    el('creationDate', '2024-05-01T12:00:00.000Z'),
    el('isPublic', image.isPublic ?? false),
    el('architecture', 'x86_64'),
    el('imageType', 'machine'),
    el('name', image.name),
    el('imageOwnerAlias', image.ownerAlias),
    el('platformDetails', 'Linux/UNIX'),
    el('rootDeviceType', 'ebs'),
    el('virtualizationType', 'hvm'),
  ].join('');
}

export function instanceTypeXml(t: ServerInstanceType): string {
  return [
    el('instanceType', t.type),
    el('currentGeneration', true),
    `<processorInfo>${items('supportedArchitectures', ['x86_64'], esc)}</processorInfo>`,
    `<vCpuInfo>${el('defaultVCpus', t.vcpus)}</vCpuInfo>`,
    `<memoryInfo>${el('sizeInMiB', t.memoryMiB)}</memoryInfo>`,
    el('instanceStorageSupported', t.storageGB !== undefined),
    t.storageGB !== undefined ? `<instanceStorageInfo>${el('totalSizeInGB', t.storageGB)}</instanceStorageInfo>` : '',
  ].join('');
}

export function securityGroupXml(g: ServerSecurityGroup, ownerId: string): string {
  const rules = [...g.rules].map((r) => r.split(':'));
  return [
    el('ownerId', ownerId),
    el('groupId', g.id),
    el('groupName', g.name),
    el('groupDescription', `${g.name} group`),
    el('vpcId', g.vpcId),
    items('ipPermissions', rules, ([protocol, from, to, ...cidr]) => {
      const range = cidr.join(':');
      const v6 = range.includes(':');
      return (
        el('ipProtocol', protocol) +
        el('fromPort', from) +
        el('toPort', to) +
        (v6 ? '<ipRanges/>' + items('ipv6Ranges', [range], (c) => el('cidrIpv6', c)) : items('ipRanges', [range], (c) => el('cidrIp', c)))
      );
    }),
  ].join('');
}
