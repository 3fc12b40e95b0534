// Glance v2 images, following `next` to the end. Only active images are asked for: the others
// (queued, saving, deactivated) cannot boot a server, and start resolves its image in this list.
import { collectPages, type OpenstackSession } from './openstack-session.js';
import type { OpenstackImage } from './openstack-vm-mapper.js';

export class GlanceApi {
  constructor(
    private readonly session: OpenstackSession,
    private readonly pageSize: number,
  ) {}

  /** Whether the catalog (or the configuration) names an image service at all. */
  async available(): Promise<boolean> {
    return (await this.session.serviceUrl('image')) !== undefined;
  }

  listImages(signal?: AbortSignal): Promise<OpenstackImage[]> {
    return collectPages<OpenstackImage>(
      (marker) =>
        this.session.json('image', 'GET', '/images', { query: { limit: this.pageSize, marker, status: 'active' }, subject: 'image', signal }),
      'images',
      'next',
    );
  }
}
