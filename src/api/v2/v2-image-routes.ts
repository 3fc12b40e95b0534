// Images saved from VMs: POST /clouds/{cloud}/vms/{id}/image (202 + `image.create` operation) and
// DELETE /clouds/{cloud}/images/{id} for images the dispatcher saved. Capability `snapshot`.
import Joi from 'joi';
import type { Image } from '../../domain/vm-model.js';
import { accepted, acceptOrWait } from './v2-async.js';
import { v2Route, type V2Route } from './v2-context.js';
import { EXAMPLE } from './v2-examples.js';
import { presentImage } from './v2-presenters.js';
import { problems } from './v2-problem.js';
import { cloudParams, imageSchema, vmParams, waitQuery } from './v2-schemas.js';
import { text } from '../http/primitive-schemas.js';
import { isPrivileged } from '../../services/ownership-service.js';

const saveImageBody = Joi.object({
  name: Joi.string().pattern(/^[A-Za-z0-9()[\] ./'@_-]{3,128}$/, 'image name').required().description("3–128 characters (EC2's rule, the strictest)."),
  description: Joi.string().max(255),
});
const imageParams = cloudParams.keys({ id: text.required().description("The cloud's image id.") });

export const imageRoutes: V2Route[] = [
  v2Route<{ cloud: string; id: string }, { wait: boolean }, { name: string; description?: string }>({
    method: 'post',
    path: '/clouds/{cloud}/vms/{id}/image',
    operationId: 'saveVmImage',
    summary: "Save a VM's disk as a new image",
    description:
      'EC2 CreateImage; OpenStack Nova createImage (the image id read from `image_id` or from `Location`, whichever the microversion gives), then Glance ' +
      'polled until the image is active; the fake cloud. 202 with the `image.create` operation, which ends when the image is available (or still pending ' +
      'past the wait bound); with `?wait=true`, 201 with the image. 501 before any call where the cloud lacks `snapshot`. The image shows in the ' +
      "cloud's image list (OpenStack lists it once active).",
    tags: ['images'],
    auth: 'user',
    request: { params: vmParams, query: waitQuery, body: saveImageBody },
    responses: { 201: { description: 'Saved (with ?wait=true).', schema: imageSchema }, 202: accepted, ...problems(400, 401, 404, 409, 501, 502, 503, 504) },
    examples: [
      { summary: 'Save a VM as an image', params: { cloud: EXAMPLE.cloud, id: EXAMPLE.vmId }, body: { name: 'worker-golden', description: 'after provisioning' }, status: 202 },
      { summary: 'Save an image with a one-letter name', params: { cloud: EXAMPLE.cloud, id: EXAMPLE.vmId }, body: { name: 'x' }, status: 400 },
    ],
    handler: async ({ ctx, params, query, body, user }) => {
      const { vms, groups } = ctx.services;
      const cloud = vms.cloud(params.cloud);
      // Only the VM's owner (or an admin/operator) may copy its disk: 404 for anyone else's VM.
      const ref = await ctx.services.ownership.vmRef(user, cloud, { node: params.id });
      const submitted = await groups.images.save(cloud, ref.node ?? params.id, body, user?.id);
      return acceptOrWait(ctx, submitted, query.wait, (op) => ({ status: 201, body: presentImage(op.result as Image) }));
    },
  }),
  v2Route<{ cloud: string; id: string }>({
    method: 'delete',
    path: '/clouds/{cloud}/images/{id}',
    operationId: 'deleteSavedImage',
    summary: 'Delete an image the dispatcher saved',
    description: 'EC2 DeregisterImage, Glance delete. 404 for images the dispatcher did not save (or another user saved).',
    tags: ['images'],
    auth: 'user',
    request: { params: imageParams },
    responses: { 204: { description: 'Deleted.' }, ...problems(401, 404, 501, 502, 503, 504) },
    examples: [{ summary: 'Delete an image the dispatcher did not save', params: { cloud: EXAMPLE.cloud, id: 'img-ubuntu-24' }, status: 404 }],
    handler: async ({ ctx, params, user }) => {
      await ctx.services.groups.images.delete(ctx.services.vms.cloud(params.cloud), params.id, { id: user?.id, admin: isPrivileged(user) });
      return { status: 204 };
    },
  }),
];
