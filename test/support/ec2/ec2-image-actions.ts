// CreateImage and DeregisterImage of the EC2 test server: an AMI saved from an instance is
// `pending` for a moment, then `available`; only images of this account can be deregistered.
import type { ActionContext } from './ec2-actions.js';
import { ec2Id, type ServerImage } from './ec2-cloud-model.js';
import { Ec2ApiError, tagsOf } from './ec2-query-parser.js';
import { el } from './ec2-xml.js';

let serial = 0x1000;

export function createImage(ctx: ActionContext): string {
  const instanceId = ctx.params.get('InstanceId');
  if (!instanceId) throw new Ec2ApiError('MissingParameter', 'The request must contain the parameter InstanceId');
  const name = ctx.params.get('Name');
  if (!name) throw new Ec2ApiError('MissingParameter', 'The request must contain the parameter Name');
  if (!/^[A-Za-z0-9()[\] ./'@_-]{3,128}$/.test(name)) throw new Ec2ApiError('InvalidAMIName.Malformed', `AMI names must be between 3 and 128 characters long: ${name}`);
  const instance = ctx.cloud.instance(instanceId);
  if (!instance || instance.state === 'terminated') throw new Ec2ApiError('InvalidInstanceID.NotFound', `The instance ID '${instanceId}' does not exist`);
  if (ctx.cloud.images.some((i) => i.name === name && i.ownerId === ctx.cloud.accountId)) {
    throw new Ec2ApiError('InvalidAMIName.Duplicate', `AMI name ${name} is already in use by AMI ${ctx.cloud.images.find((i) => i.name === name)?.id}`);
  }
  const image: ServerImage & { availableAt: number; tags: Record<string, string> } = {
    id: ec2Id('ami', ++serial),
    name,
    ownerId: ctx.cloud.accountId,
    state: 'available',
    availableAt: Date.now() + 50,
    tags: tagsOf(ctx.params, 'image'),
  };
  ctx.cloud.images.push(image);
  return el('imageId', image.id);
}

export function deregisterImage(ctx: ActionContext): string {
  const id = ctx.params.get('ImageId') ?? '';
  const at = ctx.cloud.images.findIndex((i) => i.id === id);
  if (at < 0) throw new Ec2ApiError('InvalidAMIID.NotFound', `The image id '[${id}]' does not exist`);
  if (ctx.cloud.images[at].ownerId !== ctx.cloud.accountId) throw new Ec2ApiError('AuthFailure', `Not authorized for image:${id}`);
  ctx.cloud.images.splice(at, 1);
  return el('return', true);
}
