/**
 * OpenAPI Schema Objects → plain JSON Schema for MCP tool input schemas.
 *
 * The document arrives dereferenced with object identity kept (a circular `$ref` is a cycle in memory), so the
 * conversion must be bounded: a schema met again among its own ancestors is cut to a short stub, and a per-tool
 * node budget and depth limit keep huge documents (Box, Discord) from inlining the same component thousands of times.
 */

import { mergeAllOf } from './all-of.js';

export type JsonSchema = Record<string, unknown>;

/** Schema-valued keywords (JSON Schema 2020-12 §10) that are converted recursively. */
const SUBSCHEMA = new Set([
  'additionalProperties',
  'items',
  'additionalItems',
  'not',
  'if',
  'then',
  'else',
  'contains',
  'propertyNames',
  'unevaluatedProperties',
  'unevaluatedItems',
]);
const SUBSCHEMA_LISTS = new Set(['allOf', 'anyOf', 'oneOf', 'prefixItems']);
const SUBSCHEMA_MAPS = new Set(['properties', 'patternProperties', 'dependentSchemas']);
/** OpenAPI-only or reference keywords that mean nothing (or something wrong) in a standalone JSON Schema. */
const DROPPED = new Set([
  'xml',
  'discriminator',
  'externalDocs',
  'nullable',
  'example',
  '$schema',
  '$id',
  '$anchor',
  '$dynamicAnchor',
  '$dynamicRef',
  '$ref',
  '$defs',
  'definitions',
  '$comment',
]);

/**
 * Formats validators know (JSON Schema 2020-12 §7.3 and OpenAPI's int32/int64/float/double/byte/binary/password, as
 * ajv-formats, which the MCP SDK's validator uses, defines them). Others (Discord's `snowflake`...) would be warned
 * about at every compile, so they move into the description, where the model still reads them.
 */
const KNOWN_FORMATS = new Set([
  'date',
  'time',
  'date-time',
  'iso-time',
  'iso-date-time',
  'duration',
  'uri',
  'uri-reference',
  'uri-template',
  'url',
  'email',
  'hostname',
  'ipv4',
  'ipv6',
  'regex',
  'uuid',
  'json-pointer',
  'json-pointer-uri-fragment',
  'relative-json-pointer',
  'byte',
  'int32',
  'int64',
  'float',
  'double',
  'password',
  'binary',
]);

/** Deepest nesting converted (a property level, an allOf member... each count one). */
export const MAX_DEPTH = 24;
/** Converted schema nodes allowed per tool: what a model can still read, and a validator compile in milliseconds. */
export const MAX_SCHEMA_NODES = 1500;

/** How one conversion runs. Results are input schemas, so `readOnly` properties (sent by servers only) are left out. */
export interface ConvertOptions {
  maxDepth: number;
  /** Shared across every schema of one tool, so the whole tool stays bounded; `exhausted` once something was cut for it. */
  budget: { remaining: number; exhausted?: boolean };
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Converts one OpenAPI 3.0/3.1 schema; the result is a fresh JSON-serialisable object. */
export function toJsonSchema(schema: unknown, options: ConvertOptions): JsonSchema {
  return asObjectSchema(convert(schema, options, [], 0));
}

function asObjectSchema(schema: JsonSchema | boolean): JsonSchema {
  if (schema === true) return {};
  if (schema === false) return { not: {} };
  return schema;
}

function stub(source: Record<string, unknown>, why: string): JsonSchema {
  const type = source.type;
  return { ...(typeof type === 'string' || Array.isArray(type) ? { type } : {}), description: why };
}

function convert(node: unknown, options: ConvertOptions, ancestors: object[], depth: number): JsonSchema | boolean {
  if (typeof node === 'boolean') return node;
  if (!isRecord(node)) return {};
  if (ancestors.includes(node)) {
    const name = typeof node.title === 'string' ? ` "${node.title}"` : '';
    return stub(node, `Recursive: the same shape as the enclosing${name} schema.`);
  }
  if (options.budget.remaining <= 0) options.budget.exhausted = true;
  if (depth >= options.maxDepth || options.budget.exhausted) return stub(node, 'Not expanded further: the schema is too large for a tool definition.');
  options.budget.remaining -= 1;
  const inner = [...ancestors, node];
  const out: JsonSchema = {};
  for (const [key, value] of Object.entries(node)) {
    if (DROPPED.has(key) || key.startsWith('x-')) continue;
    if (SUBSCHEMA.has(key))
      out[key] = Array.isArray(value) ? value.map((v) => convert(v, options, inner, depth + 1)) : convert(value, options, inner, depth + 1);
    else if (SUBSCHEMA_LISTS.has(key) && Array.isArray(value)) out[key] = value.map((v) => convert(v, options, inner, depth + 1));
    else if (SUBSCHEMA_MAPS.has(key) && isRecord(value)) out[key] = convertMap(key, value, options, inner, depth + 1);
    else out[key] = value;
  }
  dropReadOnlyFromRequired(node, out);
  normaliseKeywords(out);
  mergeAllOf(out);
  applyOpenApi30Forms(node, out);
  return out;
}

function convertMap(key: string, map: Record<string, unknown>, options: ConvertOptions, ancestors: object[], depth: number): JsonSchema {
  const out: JsonSchema = {};
  for (const [name, sub] of Object.entries(map)) {
    if (key === 'properties' && isRecord(sub) && sub.readOnly === true) continue;
    out[name] = convert(sub, options, ancestors, depth);
  }
  return out;
}

/** OpenAPI 3.0 spellings → JSON Schema 2020-12 (what 3.1 documents already use). */
function applyOpenApi30Forms(source: Record<string, unknown>, out: JsonSchema): void {
  if (source.example !== undefined && out.examples === undefined) out.examples = [source.example];
  for (const [exclusive, bound] of [
    ['exclusiveMinimum', 'minimum'],
    ['exclusiveMaximum', 'maximum'],
  ] as const) {
    // 3.0 (draft 4): a boolean flag on minimum/maximum; 2020-12: the bound itself.
    if (typeof source[exclusive] !== 'boolean') continue;
    if (source[exclusive] === true && typeof source[bound] === 'number') {
      out[exclusive] = source[bound];
      delete out[bound];
    } else delete out[exclusive];
  }
  if (source.nullable === true) makeNullable(out);
}

/** Keywords a validator would reject or warn about, made harmless without losing what they tell a reader. */
function normaliseKeywords(out: JsonSchema): void {
  if (typeof out.format === 'string' && !KNOWN_FORMATS.has(out.format)) {
    const note = `Format: ${out.format}.`;
    out.description = typeof out.description === 'string' ? `${out.description} (${note})` : note;
    delete out.format;
  }
  // `enum: []` admits no value at all (an authoring slip in real documents); a validator refuses to compile it.
  if (Array.isArray(out.enum) && out.enum.length === 0) delete out.enum;
}

/** readOnly properties were left out of a request schema, so they cannot stay required either. */
function dropReadOnlyFromRequired(source: Record<string, unknown>, out: JsonSchema): void {
  const properties = source.properties;
  if (!Array.isArray(out.required) || !isRecord(properties) || !isRecord(out.properties)) return;
  const kept = out.properties;
  out.required = out.required.filter((name) => typeof name !== 'string' || name in kept || !(name in properties));
  if ((out.required as unknown[]).length === 0) delete out.required;
}

function makeNullable(out: JsonSchema): void {
  if (Array.isArray(out.enum) && !out.enum.includes(null)) out.enum = [...out.enum, null];
  if (typeof out.type === 'string') out.type = [out.type, 'null'];
  else if (Array.isArray(out.type)) {
    if (!out.type.includes('null')) out.type = [...out.type, 'null'];
  } else if (out.enum === undefined) {
    // No type to widen (e.g. a nullable allOf): say "this, or null" explicitly.
    const inner = { ...out };
    for (const key of Object.keys(out)) delete out[key];
    out.anyOf = [inner, { type: 'null' }];
  }
}
