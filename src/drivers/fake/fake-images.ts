// The fake cloud's images: the configured ones, and those saved from VMs (pending for the boot
// delay, then available; a VM whose image fails to boot saves a `failed` image). Saved images
// live in memory only (the state file keeps VMs).
import { randomUUID } from 'node:crypto';
import { DispatcherError } from '../../domain/errors.js';
import type { Image, ImageState } from '../../domain/vm-model.js';
import type { FakeImage } from './fake-options.js';

interface SavedImage extends FakeImage {
  description?: string;
  vmId: string;
  readyAt: number;
  fails: boolean;
  createdAt: string;
}

export class FakeImages {
  private readonly saved = new Map<string, SavedImage>();

  constructor(private readonly configured: FakeImage[], private readonly delayMs: number) {}

  /** A bootable image by id (configured, or saved and available). */
  find(id: string): FakeImage | undefined {
    const saved = this.saved.get(id);
    if (saved) return this.state(saved) === 'available' ? saved : undefined;
    return this.configured.find((i) => i.id === id);
  }

  list(): Image[] {
    return [...this.configured.map((i) => ({ id: i.id, name: i.name, state: 'available' as const })), ...[...this.saved.values()].map((i) => this.present(i))];
  }

  get(id: string): Image | null {
    const saved = this.saved.get(id);
    if (saved) return this.present(saved);
    const configured = this.configured.find((i) => i.id === id);
    return configured ? { id: configured.id, name: configured.name, state: 'available' } : null;
  }

  save(vm: { id: string; imageId?: string }, request: { name: string; description?: string }): Image {
    if ([...this.configured, ...this.saved.values()].some((i) => i.name === request.name)) {
      throw new DispatcherError('conflict', `an image named ${request.name} already exists`, { code: 'InvalidAMIName.Duplicate' });
    }
    const source = vm.imageId ? this.find(vm.imageId) : undefined;
    const image: SavedImage = {
      id: `img-${randomUUID().slice(0, 8)}`,
      name: request.name,
      description: request.description,
      vmId: vm.id,
      readyAt: Date.now() + this.delayMs,
      fails: source?.failBoot === true,
      createdAt: new Date().toISOString(),
    };
    this.saved.set(image.id, image);
    return this.present(image);
  }

  delete(id: string): void {
    if (this.saved.delete(id)) return;
    if (this.configured.some((i) => i.id === id)) throw new DispatcherError('forbidden', `image ${id} is part of the fake cloud's configuration`, { code: 'ImageProtected' });
    throw new DispatcherError('not-found', `image ${id} not found`, { subject: 'image' });
  }

  private state(image: SavedImage): ImageState {
    if (Date.now() < image.readyAt) return 'pending';
    return image.fails ? 'failed' : 'available';
  }

  private present(image: SavedImage): Image {
    return { id: image.id, name: image.name, state: this.state(image), extra: { sourceVm: image.vmId, description: image.description ?? null, createdAt: image.createdAt } };
  }
}
