// Images saved from VMs (capability `snapshot`, 501 before any call where missing): the save runs
// as an `image.create` operation that records the new image before waiting for it to become
// available (polling the cloud: Glance for OpenStack, DescribeImages for EC2); only images the
// dispatcher saved can be deleted, by their owner or an admin.
import { setTimeout as sleep } from 'node:timers/promises';
import { DispatcherError, isDispatcherError } from '../domain/errors.js';
import type { Image, SaveImageRequest } from '../domain/vm-model.js';
import type { CloudConnection } from '../pool/cloud-connection.js';
import type { SavedImageStore } from '../store/saved-image-store.js';
import type { CatalogCache } from './catalog-cache.js';
import type { OperationService, StepRecorder, Submitted } from './operation-service.js';
import type { VmService, WaitOptions } from './vm-service.js';

export class ImageService {
  constructor(
    private readonly deps: { operations: OperationService; saved: SavedImageStore; catalog: CatalogCache; vms: VmService; wait: WaitOptions },
  ) {}

  async save(cloud: CloudConnection, vmId: string, request: SaveImageRequest, userId?: number): Promise<Submitted> {
    cloud.require('snapshot');
    const vm = await this.deps.vms.resolveVm(cloud, { node: vmId }); // 404 now, not as a failed operation
    const input = { kind: 'image.create', cloud: cloud.name, target: vm.id, userId, request: { vm: vm.id, ...request } };
    return this.deps.operations.submit(input, (operationId) =>
      this.deps.operations.run({ ...input, operationId }, async (steps) => {
        const image = await cloud.call('createImage', 'snapshot', (d, signal) => d.createImage(vm.id, request, signal));
        await this.deps.saved.add({ cloud: cloud.name, imageId: image.id, vmId: vm.id, userId: userId ?? null, name: request.name });
        await steps.done('create', image.id);
        this.deps.catalog.clear(cloud.name);
        return this.waitAvailable(cloud, image, steps);
      }),
    );
  }

  async delete(cloud: CloudConnection, imageId: string, actor: { id?: number; admin: boolean }): Promise<void> {
    cloud.require('snapshot');
    const saved = await this.deps.saved.get(cloud.name, imageId);
    if (!saved || (!actor.admin && saved.userId !== (actor.id ?? null))) {
      throw new DispatcherError('not-found', `no image ${imageId} saved by the dispatcher on cloud ${cloud.name}`, { subject: 'image', code: 'NotASavedImage' });
    }
    await this.deps.operations.run({ kind: 'image.delete', cloud: cloud.name, target: imageId, userId: actor.id, request: { image: imageId } }, async (steps) => {
      try {
        await cloud.call('deleteImage', 'snapshot', (d, signal) => d.deleteImage(imageId, signal));
        await steps.done('delete', imageId);
      } catch (err) {
        if (!isDispatcherError(err, 'not-found')) throw err;
        await steps.done('delete', 'already gone from the cloud');
      }
      await this.deps.saved.remove(cloud.name, imageId);
      this.deps.catalog.clear(cloud.name);
    });
  }

  /** Polls until the image is available or failed; past the wait bound the operation ends with it still pending. */
  private async waitAvailable(cloud: CloudConnection, image: Image, steps: StepRecorder): Promise<Image> {
    const { pollIntervalMs, timeoutMs } = this.deps.wait;
    const started = Date.now();
    let current = image;
    while (current.state === 'pending' && Date.now() - started + pollIntervalMs <= timeoutMs) {
      await sleep(pollIntervalMs);
      current = (await cloud.call('getImage', 'snapshot', (d, signal) => d.getImage(image.id, signal))) ?? { ...current, state: 'failed' };
    }
    if (current.state === 'failed') throw new DispatcherError('provider-fault', `cloud ${cloud.name}: image ${image.id} failed to save`, { code: 'ImageFailed' });
    await steps.done(current.state === 'available' ? 'available' : 'pending', `${Date.now() - started} ms`);
    return current;
  }
}
