// The per-route cache of validated path and query values: the same answer as joi, a fresh copy per
// hit, failures never kept, and only inputs the URL parsers make.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import Joi from 'joi';
import { ValidationCache } from '../../src/api/openapi/validation-cache.js';
import { validatePart } from '../../src/api/openapi/route-mount.js';

const query = Joi.object({ limit: Joi.number().integer().min(1).max(100).default(50), tag: Joi.array().items(Joi.string()).single() });

describe('validation cache', () => {
  it('answers what joi answers, validating each distinct input once, with a copy per hit', () => {
    const cache = new ValidationCache();
    let runs = 0;
    const validate = (input: object) => {
      runs++;
      return validatePart('query', query, input);
    };
    const first = cache.validated({ limit: '10', tag: ['a:b'] }, validate) as { limit: number; tag: string[] };
    assert.deepEqual(first, { limit: 10, tag: ['a:b'] });
    first.tag.push('changed');
    const second = cache.validated({ limit: '10', tag: ['a:b'] }, validate) as { limit: number; tag: string[] };
    assert.deepEqual(second, { limit: 10, tag: ['a:b'] }, 'a handler changing its input does not change the next one');
    assert.notEqual(second, cache.validated({ limit: '10', tag: ['a:b'] }, validate));
    assert.equal(runs, 1);
    assert.deepEqual(cache.validated({}, validate), { limit: 50 });
    assert.deepEqual(cache.validated({ limit: '10', tag: 'a:b' }, validate), { limit: 10, tag: ['a:b'] }, 'a string and a one-item array are two inputs');
    assert.equal(runs, 3);
  });

  it('keyed by a raw query string, makes the input only when the key is not kept', () => {
    const cache = new ValidationCache();
    let made = 0;
    const input = () => {
      made++;
      return { limit: '7' };
    };
    const validate = (value: object) => validatePart('query', query, value);
    assert.deepEqual(cache.validatedAs('limit=7', input, validate), { limit: 7 });
    assert.deepEqual(cache.validatedAs('limit=7', input, validate), { limit: 7 });
    assert.equal(made, 1);
  });

  it('validates a failing input again every time, and keeps nothing but strings and arrays of strings', () => {
    const cache = new ValidationCache();
    let runs = 0;
    const validate = (input: object) => {
      runs++;
      return validatePart('query', query, input);
    };
    for (let i = 0; i < 2; i++) assert.throws(() => cache.validated({ limit: '0' }, validate), /limit/);
    assert.equal(runs, 2);
    cache.validated({ limit: 5 as unknown as string }, validate);
    cache.validated({ limit: 5 as unknown as string }, validate);
    assert.equal(runs, 4, 'a number is not what a URL parser makes: not kept');
  });
});
