/**
 * Response serialisation. Every response goes through its zod schema, so a key the schema
 * does not list can never reach a client. Where the schema is plain (objects, arrays, scalars,
 * nullable scalars) it is compiled once to a fast-json-stringify function, which writes only
 * the listed keys — the same guard, without validating every item of a page through zod.
 * Schemas with a choice between objects or arrays keep the zod serialiser, which strips the
 * unlisted keys inside the chosen branch (fast-json-stringify would refuse them instead).
 */

import fastJson from 'fast-json-stringify';
import type { FastifySerializerCompiler } from 'fastify/types/schema.js';
import { serializerCompiler as zodSerializerCompiler } from 'fastify-type-provider-zod';
import { type ZodType, z } from 'zod';

type JsonSchema = { [key: string]: unknown };

const choices = ['anyOf', 'oneOf', 'allOf'] as const;
const isStructured = (s: unknown) =>
  typeof s === 'object' &&
  s !== null &&
  ((s as JsonSchema).type === 'object' || (s as JsonSchema).type === 'array' || 'properties' in s || 'items' in s);

/** Whether fast-json-stringify writes this schema exactly as zod would: no choice between structures. */
function plain(schema: unknown): boolean {
  if (typeof schema !== 'object' || schema === null) return true;
  const s = schema as JsonSchema;
  for (const key of choices) {
    const branches = s[key];
    if (Array.isArray(branches) && branches.some(isStructured)) return false;
  }
  return Object.values(s).every((value) => (Array.isArray(value) ? value.every(plain) : plain(value)));
}

const isNullSchema = (s: unknown) =>
  typeof s === 'object' && s !== null && (s as JsonSchema).type === 'null' && Object.keys(s).length === 1;

/**
 * `anyOf: [scalar, null]` (zod's `.nullable()`) as `type: [scalar's type, 'null']`. For an
 * `anyOf`, fast-json-stringify runs a validator on every value to choose the branch (format
 * and pattern checks on each nullable date and id of a page: 8 % of a listing's CPU,
 * measured); a type list it writes directly. The same values come out.
 */
function nullableScalars(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(nullableScalars);
  if (typeof schema !== 'object' || schema === null) return schema;
  const s = schema as JsonSchema;
  const branches = s.anyOf;
  if (Array.isArray(branches) && branches.length === 2 && Object.keys(s).length === 1) {
    const [value, other] = isNullSchema(branches[0]) ? [branches[1], branches[0]] : [branches[0], branches[1]];
    const type = (value as JsonSchema | undefined)?.type;
    if (isNullSchema(other) && typeof type === 'string' && !isStructured(value))
      return { ...(value as JsonSchema), type: [type, 'null'] };
  }
  return Object.fromEntries(Object.entries(s).map(([key, value]) => [key, nullableScalars(value)]));
}

type Serialize = (data: unknown) => string;

function compile(route: Parameters<FastifySerializerCompiler<ZodType>>[0]): Serialize {
  let jsonSchema: JsonSchema | undefined;
  try {
    jsonSchema = z.toJSONSchema(route.schema, { target: 'draft-7', io: 'output' }) as JsonSchema;
  } catch {
    jsonSchema = undefined; // not representable as JSON Schema (a transform, say): zod serialises it
  }
  if (!jsonSchema || !plain(jsonSchema)) return zodSerializerCompiler(route) as Serialize;
  const { $schema: _draft, ...schema } = jsonSchema;
  return fastJson(nullableScalars(schema) as JsonSchema);
}

/**
 * Compiled on a route's first response with that status, not at start: fastify asks for
 * every route's serialisers when the server gets ready, and compiling them all was ~110 ms
 * of every start (measured) for routes most runs never answer. A first answer pays ~1 ms.
 */
export const serializerCompiler: FastifySerializerCompiler<ZodType> = (route) => {
  let serialize: Serialize | undefined;
  /**
   * A route freezes an answer only when its parts are fixed too (a cached page of frozen items),
   * so its JSON is kept while the object lives: a warm page of the store is written once, not
   * on every request (a fifth of a warm listing's CPU, measured).
   */
  const written = new WeakMap<object, string>();
  return (data: unknown) => {
    serialize ??= compile(route);
    if (typeof data !== 'object' || data === null || !Object.isFrozen(data)) return serialize(data);
    let json = written.get(data);
    if (json === undefined) {
      json = serialize(data);
      written.set(data, json);
    }
    return json;
  };
};
