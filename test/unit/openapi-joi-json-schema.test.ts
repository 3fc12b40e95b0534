import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Ajv2020 } from 'ajv/dist/2020.js';
import Joi from 'joi';
import { joiToJsonSchema } from '../../src/api/openapi/joi-json-schema.js';
import { defaultOperationId, expressPath, pathParamNames } from '../../src/api/openapi/route-spec.js';
import { createAssignmentBody, createVmBody, listVmsQuery, vmActionBody } from '../../src/api/v2/v2-schemas.js';
import * as v1 from '../../src/api/v1/v1-schemas.js';

describe('joi → JSON Schema', () => {
  it('maps strings, numbers, booleans and their rules', () => {
    assert.deepEqual(joiToJsonSchema(Joi.string().min(1).max(5).pattern(/^a+$/)), { type: 'string', minLength: 1, maxLength: 5, pattern: '^a+$' });
    assert.deepEqual(joiToJsonSchema(Joi.string().isoDate()), { type: 'string', format: 'date-time' });
    assert.deepEqual(joiToJsonSchema(Joi.number().integer().min(1).max(10)), { type: 'integer', minimum: 1, maximum: 10 });
    assert.deepEqual(joiToJsonSchema(Joi.number().greater(0).less(1)), { type: 'number', exclusiveMinimum: 0, exclusiveMaximum: 1 });
    assert.deepEqual(joiToJsonSchema(Joi.boolean().default(false).description('d')), { type: 'boolean', default: false, description: 'd' });
  });

  it('maps valid() to enum, allow() to anyOf, any() to no constraint', () => {
    assert.deepEqual(joiToJsonSchema(Joi.string().valid('a', 'b')), { enum: ['a', 'b'] });
    assert.deepEqual(joiToJsonSchema(Joi.string().allow(null)), { anyOf: [{ type: 'string' }, { type: 'null' }] });
    assert.deepEqual(joiToJsonSchema(Joi.string().min(1).allow('')), { anyOf: [{ type: 'string', minLength: 1 }, { enum: [''] }] });
    assert.deepEqual(joiToJsonSchema(Joi.any()), {});
  });

  it('maps objects: properties, required, closed unless unknown(), patterns as additionalProperties', () => {
    const schema = Joi.object({ a: Joi.string().required(), b: Joi.number(), gone: Joi.forbidden() });
    assert.deepEqual(joiToJsonSchema(schema), {
      type: 'object',
      properties: { a: { type: 'string' }, b: { type: 'number' } },
      required: ['a'],
      additionalProperties: false,
    });
    assert.equal(joiToJsonSchema(Joi.object({ a: Joi.string() }).unknown(true)).additionalProperties, undefined);
    assert.deepEqual(joiToJsonSchema(Joi.object().pattern(Joi.string().max(3), Joi.string()).max(2)), {
      type: 'object',
      additionalProperties: { type: 'string' },
      propertyNames: { maxLength: 3 },
      maxProperties: 2,
    });
  });

  it('maps arrays and alternatives', () => {
    assert.deepEqual(joiToJsonSchema(Joi.array().items(Joi.string()).min(1).unique()), { type: 'array', items: { type: 'string' }, minItems: 1, uniqueItems: true });
    assert.deepEqual(joiToJsonSchema(Joi.alternatives(Joi.string(), Joi.number())), { anyOf: [{ type: 'string' }, { type: 'number' }] });
  });

  it('puts schemas named with .id() under components and references them', () => {
    const components = {};
    const item = Joi.object({ n: Joi.number() }).id('Item');
    const out = joiToJsonSchema(Joi.object({ one: item, many: Joi.array().items(item) }), components);
    assert.deepEqual(out.properties, { one: { $ref: '#/components/schemas/Item' }, many: { type: 'array', items: { $ref: '#/components/schemas/Item' } } });
    assert.deepEqual(components, { Item: { type: 'object', properties: { n: { type: 'number' } }, additionalProperties: false } });
  });

  // The JSON Schema may be looser than joi (conditions are not expressed) but never stricter.
  it('accepts whatever joi accepts, for the request schemas of both API versions', () => {
    const ajv = new Ajv2020({ strict: false });
    const cases: [Joi.Schema, unknown][] = [
      [createVmBody, { name: 'w', image: 'i', size: 's', metadata: { a: '' }, keyName: 'k' }],
      [vmActionBody, { action: 'open-port', port: 22, protocol: 'udp', cidr: '10.0.0.0/8' }],
      [vmActionBody, { action: 'reboot' }],
      [createAssignmentBody, { cloud: 'c', hostname: 'h', user: 'u', vmType: 't' }],
      [listVmsQuery, { tag: ['a:b'], limit: 5 }],
      [v1.startBody, { name: 'n', image: 'i', size: 's', emulate: 'True' }],
      [v1.firewallBody, { node: 'n', port: 22, protocol: 'tcp', cidr: '0.0.0.0/0' }],
    ];
    for (const [schema, value] of cases) {
      assert.equal(schema.validate(value).error, undefined);
      const validate = ajv.compile(joiToJsonSchema(schema));
      assert.ok(validate(value), `${JSON.stringify(value)}: ${ajv.errorsText(validate.errors)}`);
    }
    const strict = ajv.compile(joiToJsonSchema(createVmBody));
    assert.equal(strict({ name: 'w', image: 'i' }), false, 'a missing required key fails in both');
  });
});

describe('route paths', () => {
  it('converts OpenAPI paths to Express paths and names the parameters', () => {
    assert.equal(expressPath('/clouds/{cloud}/vms/{id}'), '/clouds/:cloud/vms/:id');
    assert.deepEqual(pathParamNames('/clouds/{cloud}/vms/{id}/actions'), ['cloud', 'id']);
    assert.equal(defaultOperationId({ method: 'get', path: '/clouds/{cloud}/vms' }), 'getCloudsCloudVms');
    assert.equal(defaultOperationId({ method: 'get', path: '/', operationId: 'x' }), 'x');
  });
});
