// The OpenAPI 3.1 document of a list of route declarations: the only place a spec is written.
import type Joi from 'joi';
import { joiToJsonSchema, type JsonSchema } from './joi-json-schema.js';
import { defaultOperationId, pathParamNames, type RouteDoc, type RouteExample } from './route-spec.js';

export interface SpecInfo {
  title: string;
  version: string;
  description: string;
  /** Where the paths are rooted: `/api/v2`. */
  basePath: string;
  tags?: { name: string; description: string }[];
}

export type OpenApiDocument = JsonSchema & { openapi: string; paths: Record<string, Record<string, JsonSchema>> };

const IDEMPOTENCY_PARAMETER = {
  name: 'Idempotency-Key',
  in: 'header',
  required: false,
  description:
    'Makes a retried POST safe: the same key (per user) and the same request within 24 h answers the first answer again ' +
    '(status, body, Location; with `Idempotency-Replayed: true`) and creates nothing new. The same key with another request is refused (422); ' +
    'while the first request with a key runs, a duplicate gets 409.',
  schema: { type: 'string', minLength: 1, maxLength: 255 },
};

export function openApiDocument(routes: readonly RouteDoc[], info: SpecInfo): OpenApiDocument {
  const components: Record<string, JsonSchema> = {};
  const paths: Record<string, Record<string, JsonSchema>> = {};
  for (const route of [...routes].sort((a, b) => a.path.localeCompare(b.path))) {
    paths[route.path] ??= {};
    paths[route.path][route.method] = operation(route, components);
  }
  return {
    openapi: '3.1.0',
    info: { title: info.title, version: info.version, description: info.description },
    servers: [{ url: info.basePath }],
    tags: info.tags ?? [],
    paths,
    components: {
      schemas: components,
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'A token from POST /api/v2/auth/tokens (or v1 POST /api/v1/auth).' } },
    },
  };
}

function operation(route: RouteDoc, components: Record<string, JsonSchema>): JsonSchema {
  const out: JsonSchema = {
    operationId: defaultOperationId(route),
    summary: route.summary,
    ...(route.description ? { description: route.description } : {}),
    tags: route.tags,
    security: route.auth === 'public' ? [] : [{ bearer: [] }],
    ...(route.auth === 'admin' ? { 'x-required-role': 'admin' } : {}),
    ...(route.deprecated ? { deprecated: true } : {}),
  };
  const parameters = [
    ...params(route, 'path', route.request?.params, components),
    ...params(route, 'query', route.request?.query, components),
    ...params(route, 'header', route.request?.headers, components),
    ...(route.idempotent ? [IDEMPOTENCY_PARAMETER] : []),
  ];
  if (parameters.length) out.parameters = parameters;
  if (route.request?.body) {
    const examples = (route.examples ?? []).filter((e) => e.body !== undefined);
    out.requestBody = {
      required: (route.request.body.describe().flags as { presence?: string } | undefined)?.presence !== 'optional',
      content: { 'application/json': { schema: joiToJsonSchema(route.request.body, components), ...exampleMap(examples, (e) => e.body) } },
    };
  }
  out.responses = Object.fromEntries(
    Object.entries(route.responses).map(([status, spec]) => {
      const response: JsonSchema = { description: spec.description };
      if (spec.headers) {
        response.headers = Object.fromEntries(
          Object.entries(spec.headers).map(([name, h]) => [name, { description: h.description, schema: h.schema ? joiToJsonSchema(h.schema, components) : { type: 'string' } }]),
        );
      }
      if (spec.schema) {
        response.content = {
          [spec.contentType ?? 'application/json']: {
            schema: joiToJsonSchema(spec.schema, components),
            ...(spec.example !== undefined ? { example: spec.example } : {}),
          },
        };
      }
      return [status, response];
    }),
  );
  return out;
}

function params(route: RouteDoc, where: 'path' | 'query' | 'header', schema: Joi.ObjectSchema | undefined, components: Record<string, JsonSchema>): JsonSchema[] {
  const described = schema ? (schema.describe() as { keys?: Record<string, { flags?: { presence?: string; description?: string } }> }) : {};
  const keys = Object.keys(described.keys ?? {});
  const names = where === 'path' ? pathParamNames(route.path) : keys;
  return names.map((name) => {
    const child = schema && keys.includes(name) ? schema.extract(name) : undefined;
    const json = child ? joiToJsonSchema(child, components) : { type: 'string' };
    const { description, ...rest } = json;
    // A parameter with a default shows the default: an example value would be pre-filled by the
    // docs UI (`wait=true` on every try of a start).
    const example = rest.default === undefined ? firstExample(route.examples, where, name) : undefined;
    return {
      name: where === 'header' ? headerName(name) : name,
      in: where,
      required: where === 'path' || described.keys?.[name]?.flags?.presence === 'required',
      ...(description ? { description } : {}),
      schema: rest,
      ...(rest.type === 'array' && where === 'query' ? { style: 'form', explode: true } : {}),
      ...(example !== undefined ? { example } : {}),
    };
  });
}

function firstExample(examples: RouteExample[] | undefined, where: 'path' | 'query' | 'header', name: string): string | undefined {
  const key = where === 'path' ? 'params' : where === 'query' ? 'query' : 'headers';
  return examples?.find((e) => e[key]?.[name] !== undefined)?.[key]?.[name];
}

function exampleMap(examples: RouteExample[], value: (e: RouteExample) => unknown): JsonSchema {
  if (examples.length === 0) return {};
  const names = new Set<string>();
  const unique = (name: string) => {
    let out = name;
    for (let n = 2; names.has(out); n++) out = `${name}-${n}`;
    names.add(out);
    return out;
  };
  return { examples: Object.fromEntries(examples.map((e, i) => [unique(slug(e.summary, i)), { summary: e.summary, value: value(e) }])) };
}

function slug(text: string, index: number): string {
  return text.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '') || `example-${index + 1}`;
}

function headerName(name: string): string {
  return name.replace(/(^|-)([a-z])/g, (_m, dash: string, c: string) => dash + c.toUpperCase());
}
