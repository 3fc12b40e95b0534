// joi → JSON Schema (2020-12, the dialect of OpenAPI 3.1), from `schema.describe()`. Small on
// purpose: it covers the joi features our schemas use and says so by test
// (test/unit/openapi-joi-json-schema.test.ts). Conditions (`when`) are not expressed: the
// JSON Schema is then looser than joi, never stricter, so a valid request always validates.
import type Joi from 'joi';

export type JsonSchema = { [key: string]: unknown };

interface Rule {
  name: string;
  args?: Record<string, unknown>;
}

interface Desc {
  type: string;
  flags?: Record<string, unknown>;
  rules?: Rule[];
  allow?: unknown[];
  keys?: Record<string, Desc>;
  patterns?: { schema?: Desc; regex?: string; rule: Desc }[];
  items?: Desc[];
  matches?: { schema?: Desc; then?: Desc; otherwise?: Desc }[];
  examples?: unknown[];
  metas?: unknown[];
  notes?: string[];
}

/**
 * Converts a joi schema. With `components`, every (sub)schema named with joi's `.id('Name')` is
 * converted once into components[Name] and referenced as `#/components/schemas/Name`.
 */
export function joiToJsonSchema(schema: Joi.Schema, components?: Record<string, JsonSchema>): JsonSchema {
  const previous = collector;
  collector = components;
  try {
    return convert(schema.describe() as Desc);
  } finally {
    collector = previous;
  }
}

let collector: Record<string, JsonSchema> | undefined;

function convert(desc: Desc): JsonSchema {
  const flags = desc.flags ?? {};
  const id = typeof flags.id === 'string' ? flags.id : undefined;
  if (id && collector) {
    if (!collector[id]) {
      collector[id] = {}; // placeholder first: a schema that contains itself ends in a $ref
      collector[id] = convertInline(desc);
    }
    return { $ref: `#/components/schemas/${id}` };
  }
  return convertInline(desc);
}

function convertInline(desc: Desc): JsonSchema {
  const flags = desc.flags ?? {};
  let out = base(desc);

  const allow = (desc.allow ?? []).filter((v) => !isSpecial(v));
  if (flags.only === true) {
    out = withoutType(out);
    out.enum = allow;
  } else if (allow.length > 0) {
    const nonNull = allow.filter((v) => v !== null);
    const extra: JsonSchema[] = [];
    if (allow.includes(null)) extra.push({ type: 'null' });
    if (nonNull.length > 0) extra.push({ enum: nonNull });
    out = { anyOf: [out, ...extra] };
  }

  if (typeof flags.description === 'string') out.description = flags.description;
  if (flags.default !== undefined && typeof flags.default !== 'function' && !isSpecial(flags.default)) out.default = flags.default;
  if (desc.examples?.length) out.examples = desc.examples;
  if (desc.notes?.length) out.description = [out.description, ...desc.notes].filter(Boolean).join(' ');
  for (const meta of desc.metas ?? []) {
    if (meta && typeof meta === 'object' && 'jsonSchema' in meta) Object.assign(out, (meta as { jsonSchema: JsonSchema }).jsonSchema);
  }
  return out;
}

function base(desc: Desc): JsonSchema {
  const rules = desc.rules ?? [];
  switch (desc.type) {
    case 'string':
      return stringSchema(rules);
    case 'number':
      return numberSchema(rules);
    case 'boolean':
      return { type: 'boolean' };
    case 'date':
      return { type: 'string', format: 'date-time' };
    case 'object':
      return objectSchema(desc, rules);
    case 'array':
      return arraySchema(desc, rules);
    case 'alternatives':
      return alternativesSchema(desc);
    default:
      return {}; // any (and types we do not use): no constraint
  }
}

function stringSchema(rules: Rule[]): JsonSchema {
  const out: JsonSchema = { type: 'string' };
  for (const rule of rules) {
    const args = rule.args ?? {};
    switch (rule.name) {
      case 'min':
        out.minLength = args.limit;
        break;
      case 'max':
        out.maxLength = args.limit;
        break;
      case 'length':
        out.minLength = args.limit;
        out.maxLength = args.limit;
        break;
      case 'pattern': {
        const options = (args.options ?? {}) as { invert?: boolean };
        if (!options.invert) out.pattern = regexSource(String(args.regex));
        break;
      }
      case 'isoDate':
        out.format = 'date-time';
        break;
      case 'uri':
        out.format = 'uri-reference';
        break;
      case 'guid':
        out.format = 'uuid';
        break;
      case 'email':
        out.format = 'email';
        break;
    }
  }
  return out;
}

function numberSchema(rules: Rule[]): JsonSchema {
  const out: JsonSchema = { type: 'number' };
  for (const rule of rules) {
    const limit = rule.args?.limit;
    switch (rule.name) {
      case 'integer':
        out.type = 'integer';
        break;
      case 'min':
        out.minimum = limit;
        break;
      case 'max':
        out.maximum = limit;
        break;
      case 'greater':
        out.exclusiveMinimum = limit;
        break;
      case 'less':
        out.exclusiveMaximum = limit;
        break;
      case 'multiple':
        out.multipleOf = rule.args?.base;
        break;
    }
  }
  return out;
}

function objectSchema(desc: Desc, rules: Rule[]): JsonSchema {
  const out: JsonSchema = { type: 'object' };
  const properties: Record<string, JsonSchema> = {};
  const required: string[] = [];
  for (const [key, child] of Object.entries(desc.keys ?? {})) {
    const presence = child.flags?.presence;
    if (presence === 'forbidden') continue;
    properties[key] = convert(child);
    if (presence === 'required') required.push(key);
  }
  if (desc.keys) out.properties = properties;
  if (required.length) out.required = required;
  const pattern = desc.patterns?.[0];
  if (pattern) {
    out.additionalProperties = convert(pattern.rule);
    if (pattern.schema) {
      const names = convert(pattern.schema);
      delete names.type;
      if (Object.keys(names).length) out.propertyNames = names;
    }
  } else if (desc.flags?.unknown !== true && desc.keys) {
    out.additionalProperties = false;
  }
  for (const rule of rules) {
    if (rule.name === 'min') out.minProperties = rule.args?.limit;
    if (rule.name === 'max') out.maxProperties = rule.args?.limit;
  }
  return out;
}

function arraySchema(desc: Desc, rules: Rule[]): JsonSchema {
  const out: JsonSchema = { type: 'array' };
  const items = (desc.items ?? []).map(convert);
  if (items.length === 1) out.items = items[0];
  else if (items.length > 1) out.items = { anyOf: items };
  for (const rule of rules) {
    if (rule.name === 'min') out.minItems = rule.args?.limit;
    if (rule.name === 'max') out.maxItems = rule.args?.limit;
    if (rule.name === 'length') {
      out.minItems = rule.args?.limit;
      out.maxItems = rule.args?.limit;
    }
    if (rule.name === 'unique') out.uniqueItems = true;
  }
  return out;
}

function alternativesSchema(desc: Desc): JsonSchema {
  const options: JsonSchema[] = [];
  for (const match of desc.matches ?? []) {
    for (const schema of [match.schema, match.then, match.otherwise]) if (schema) options.push(convert(schema));
  }
  return desc.flags?.match === 'one' ? { oneOf: options } : { anyOf: options };
}

/** describe() writes a regex as `/source/flags`. */
function regexSource(regex: string): string {
  const match = /^\/(.*)\/[a-z]*$/s.exec(regex);
  return match ? match[1] : regex;
}

/** describe() spells references and special values as objects (`{ ref: … }`, `{ special: 'deep' }`). */
function isSpecial(value: unknown): boolean {
  return !!value && typeof value === 'object' && ('ref' in value || 'special' in value || 'override' in value);
}

function withoutType(schema: JsonSchema): JsonSchema {
  const { type: _type, minLength: _min, maxLength: _max, pattern: _p, format: _f, ...rest } = schema;
  return rest;
}
