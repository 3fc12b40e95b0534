// The images the dispatcher saved from VMs (migration 0009_clusters): only these may be deleted
// through the API, and only by the user who saved them (or an admin).
import type { Kysely } from 'kysely';
import type { Database } from './store-schema.js';

export interface SavedImage {
  cloud: string;
  imageId: string;
  vmId: string;
  userId: number | null;
  name: string;
  createdAt: string;
}

export class SavedImageStore {
  constructor(private readonly db: Kysely<Database>) {}

  async add(image: Omit<SavedImage, 'createdAt'>): Promise<void> {
    await this.db
      .insertInto('saved_images')
      .values({ cloud: image.cloud, image_id: image.imageId, vm_id: image.vmId, user_id: image.userId, name: image.name, created_at: new Date().toISOString() })
      .execute();
  }

  async get(cloud: string, imageId: string): Promise<SavedImage | undefined> {
    const row = await this.db.selectFrom('saved_images').selectAll().where('cloud', '=', cloud).where('image_id', '=', imageId).executeTakeFirst();
    return row && { cloud: row.cloud, imageId: row.image_id, vmId: row.vm_id, userId: row.user_id === null ? null : Number(row.user_id), name: row.name, createdAt: row.created_at };
  }

  async remove(cloud: string, imageId: string): Promise<void> {
    await this.db.deleteFrom('saved_images').where('cloud', '=', cloud).where('image_id', '=', imageId).execute();
  }
}
