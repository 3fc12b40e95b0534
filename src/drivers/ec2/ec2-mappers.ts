// EC2 shapes → the domain's Vm, Image and Size. Provider-only fields go to `extra`.
import type { Image as Ec2Image, Instance, InstanceTypeInfo, Tag } from '@aws-sdk/client-ec2';
import type { Image, Size, Vm } from '../../domain/vm-model.js';
import { vmStateOf } from './ec2-states.js';

export function tagsToRecord(tags: Tag[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const tag of tags ?? []) if (tag.Key !== undefined) out[tag.Key] = tag.Value ?? '';
  return out;
}

export function recordToTags(record: Record<string, string>): Tag[] {
  return Object.entries(record).map(([Key, Value]) => ({ Key, Value }));
}

function unique(values: (string | undefined)[]): string[] {
  return [...new Set(values.filter((v): v is string => typeof v === 'string' && v.length > 0))];
}

/**
 * `knownTags` fills in for a RunInstances answer, which need not echo the tags it was given.
 * The Name tag is the VM's name, not metadata; everything else (ownership keys included) is.
 */
export function toVm(instance: Instance, knownTags: Record<string, string> = {}): Vm {
  const tags = { ...knownTags, ...tagsToRecord(instance.Tags) };
  const { Name: name, ...metadata } = tags;
  const id = instance.InstanceId ?? '';
  const { state, fault } = vmStateOf({
    stateName: instance.State?.Name,
    reasonCode: instance.StateReason?.Code,
    reasonMessage: instance.StateReason?.Message,
  });
  const interfaces = instance.NetworkInterfaces ?? [];
  const addresses = interfaces.flatMap((ni) => ni.PrivateIpAddresses ?? []);
  const vm: Vm = {
    id,
    name: name ?? id,
    state,
    publicIps: unique([
      instance.PublicIpAddress,
      ...interfaces.map((ni) => ni.Association?.PublicIp),
      ...addresses.map((a) => a.Association?.PublicIp),
    ]),
    privateIps: unique([instance.PrivateIpAddress, ...interfaces.map((ni) => ni.PrivateIpAddress), ...addresses.map((a) => a.PrivateIpAddress)]),
    imageId: instance.ImageId,
    sizeId: instance.InstanceType,
    createdAt: instance.LaunchTime?.toISOString(),
    metadata,
    extra: {
      instanceType: instance.InstanceType ?? null,
      imageId: instance.ImageId ?? null,
      availabilityZone: instance.Placement?.AvailabilityZone ?? null,
      launchTime: instance.LaunchTime?.toISOString() ?? null,
      tags,
      stateReason: instance.StateReason ? { code: instance.StateReason.Code ?? null, message: instance.StateReason.Message ?? null } : null,
      keyName: instance.KeyName ?? null,
      securityGroups: (instance.SecurityGroups ?? []).map((g) => g.GroupId),
      subnetId: instance.SubnetId ?? null,
      vpcId: instance.VpcId ?? null,
      privateDnsName: instance.PrivateDnsName || null,
      publicDnsName: instance.PublicDnsName || null,
    },
  };
  if (fault) vm.fault = fault;
  return vm;
}

export function toImage(image: Ec2Image): Image {
  const id = image.ImageId ?? '';
  const state = image.State === 'available' ? 'available' : image.State === 'pending' ? 'pending' : image.State ? 'failed' : undefined;
  return {
    id,
    name: image.Name ?? id,
    ...(state ? { state } : {}),
    extra: {
      ownerId: image.OwnerId ?? null,
      state: image.State ?? null,
      architecture: image.Architecture ?? null,
      platform: image.PlatformDetails ?? image.Platform ?? null,
      creationDate: image.CreationDate ?? null,
      description: image.Description ?? null,
      public: image.Public ?? null,
    },
  };
}

export function toSize(info: InstanceTypeInfo): Size {
  const id = info.InstanceType ?? '';
  return {
    id,
    name: id,
    ramMiB: info.MemoryInfo?.SizeInMiB ?? 0,
    vcpus: info.VCpuInfo?.DefaultVCpus ?? 0,
    // EBS-only types have no local disk: 0, as the domain asks.
    diskGiB: info.InstanceStorageSupported ? (info.InstanceStorageInfo?.TotalSizeInGB ?? 0) : 0,
    extra: {
      currentGeneration: info.CurrentGeneration ?? null,
      architectures: info.ProcessorInfo?.SupportedArchitectures ?? [],
      instanceStorage: info.InstanceStorageSupported ?? false,
    },
  };
}
