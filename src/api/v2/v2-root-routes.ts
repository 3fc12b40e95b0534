// GET /api/v2/: the version document (public), pointing at the spec and the docs.
import Joi from 'joi';
import { VERSION } from '../../domain/version.js';
import { v2Route, type V2Route } from './v2-context.js';

const versionDocument = Joi.object({
  version: Joi.string().valid('v2').required(),
  status: Joi.string().valid('stable', 'preview').required(),
  dispatcher: Joi.string().required().description('The dispatcher release.'),
  links: Joi.object({
    self: Joi.string().required(),
    openapi: Joi.string().required(),
    docs: Joi.string().required(),
    v1: Joi.string().required(),
  }).required(),
});

export const rootRoutes: V2Route[] = [
  v2Route({
    method: 'get',
    path: '/',
    operationId: 'getVersion',
    summary: 'The v2 version document',
    tags: ['meta'],
    auth: 'public',
    responses: {
      200: {
        description: 'This API version, the dispatcher release and where the spec and docs are.',
        schema: versionDocument,
        example: { version: 'v2', status: 'stable', dispatcher: '0.1.0', links: { self: '/api/v2/', openapi: '/openapi/v2.json', docs: '/docs', v1: '/api/v1/' } },
      },
    },
    examples: [{ summary: 'Read the version document', status: 200 }],
    handler: () => ({
      status: 200,
      body: { version: 'v2', status: 'stable', dispatcher: VERSION, links: { self: '/api/v2/', openapi: '/openapi/v2.json', docs: '/docs', v1: '/api/v1/' } },
    }),
  }),
];
