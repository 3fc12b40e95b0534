// Images saved from instances (capability `snapshot`): CreateImage (tagged with the dispatcher's
// ownership keys), DescribeImages by id, DeregisterImage. EC2 answers CreateImage at once with the
// AMI id; the image stays `pending` until its snapshots are written.
import { DispatcherError, isDispatcherError } from '../../domain/errors.js';
import type { Image, SaveImageRequest } from '../../domain/vm-model.js';
import type { Ec2Sdk, Ec2Sender } from './ec2-client.js';
import { toImage } from './ec2-mappers.js';

type Send = <T>(call: (client: Ec2Sender, sdk: Ec2Sdk) => Promise<T>) => Promise<T>;

export async function ec2CreateImage(send: Send, cloudName: string, vmId: string, request: SaveImageRequest): Promise<Image> {
  const answer = await send((c, sdk) =>
    c.send(
      new sdk.CreateImageCommand({
        InstanceId: vmId,
        Name: request.name,
        Description: request.description,
        TagSpecifications: [{ ResourceType: 'image', Tags: [{ Key: 'dispatcher:cloud', Value: cloudName }, { Key: 'dispatcher:source-vm', Value: vmId }] }],
      }),
    ),
  );
  if (!answer.ImageId) throw new DispatcherError('provider-fault', 'EC2 CreateImage answered no ImageId', { code: 'NoImageId' });
  return { id: answer.ImageId, name: request.name, state: 'pending', extra: { sourceVm: vmId } };
}

export async function ec2GetImage(send: Send, imageId: string): Promise<Image | null> {
  try {
    const answer = await send((c, sdk) => c.send(new sdk.DescribeImagesCommand({ ImageIds: [imageId] })));
    const image = answer.Images?.[0];
    return image ? toImage(image) : null;
  } catch (err) {
    // EC2 refuses an unknown (or deregistered) AMI id instead of answering an empty list.
    if (isDispatcherError(err) && err.subject === 'image' && /NotFound|Unavailable|Malformed/.test(err.code ?? '')) return null;
    throw err;
  }
}

export async function ec2DeleteImage(send: Send, imageId: string): Promise<void> {
  await send((c, sdk) => c.send(new sdk.DeregisterImageCommand({ ImageId: imageId })));
}
