// Images saved from servers (capability `snapshot`): Nova's `createImage` server action, then
// Glance for the image's state and its deletion. Nova answers createImage with 202 and, before
// microversion 2.45, only a `Location` header naming the image; from 2.45 a JSON `image_id` and no
// header. Both are read. The action is a POST: never repeated blindly when throttled.
import { DispatcherError } from '../../domain/errors.js';
import type { Image, ImageState, SaveImageRequest } from '../../domain/vm-model.js';
import type { OpenstackSession } from './openstack-session.js';
import { toImage, type OpenstackImage } from './openstack-vm-mapper.js';

const GLANCE_STATES: Record<string, ImageState> = {
  active: 'available',
  queued: 'pending',
  saving: 'pending',
  uploading: 'pending',
  importing: 'pending',
  killed: 'failed',
  deleted: 'failed',
  pending_delete: 'failed',
  deactivated: 'failed',
};

export class OpenstackImages {
  constructor(
    private readonly session: OpenstackSession,
    private readonly microversion: () => Promise<string | undefined>,
  ) {}

  async create(serverId: string, request: SaveImageRequest): Promise<Image> {
    const metadata: Record<string, string> = { 'dispatcher:source-vm': serverId, ...(request.description ? { description: request.description } : {}) };
    const response = await this.session.request('compute', 'POST', `/servers/${encodeURIComponent(serverId)}/action`, {
      microversion: await this.microversion(),
      body: { createImage: { name: request.name, metadata } },
      subject: 'vm',
    });
    const id = imageIdOf(response.body, response.headers.location);
    if (!id) throw new DispatcherError('provider-fault', 'Nova accepted createImage but named no image (no image_id, no Location)', { code: 'NoImageId' });
    return { id, name: request.name, state: 'pending', extra: { sourceVm: serverId } };
  }

  async get(imageId: string): Promise<Image | null> {
    const response = await this.session.request('image', 'GET', `/images/${encodeURIComponent(imageId)}`, { subject: 'image', accept: [404] });
    if (response.status === 404) return null;
    const image = response.body as OpenstackImage;
    return { ...toImage(image), state: GLANCE_STATES[image.status ?? ''] ?? 'pending' };
  }

  async delete(imageId: string): Promise<void> {
    await this.session.request('image', 'DELETE', `/images/${encodeURIComponent(imageId)}`, { subject: 'image' });
  }
}

/** 2.45+: `{"image_id": …}`; before: the last path segment of `Location` (…/images/{id}). */
export function imageIdOf(body: unknown, location: string | undefined): string | undefined {
  const fromBody = body && typeof body === 'object' ? (body as { image_id?: unknown }).image_id : undefined;
  if (typeof fromBody === 'string' && fromBody) return fromBody;
  const match = location ? /\/images\/([^/?#]+)\/?$/.exec(location) : null;
  return match ? decodeURIComponent(match[1]) : undefined;
}
