/**
 * `allOf` of plain object parts → one object schema. Models fill one flat property list far more reliably than a
 * composition, and OpenAPI documents use `allOf` mostly to extend a base object (Box: 326 of them) or to put a
 * description beside a `$ref` (3.0). Merged only when nothing conflicts; otherwise the `allOf` stays as it is.
 */

type JsonSchema = Record<string, unknown>;

/** Keys that describe rather than constrain: the schema's own win, then the first part's. */
const ANNOTATIONS = new Set(['title', 'description', 'examples', 'default', 'deprecated', 'readOnly', 'writeOnly']);
/** A part with any of these is not a plain object part. */
const COMPOSITION = new Set(['allOf', 'anyOf', 'oneOf', 'not', 'if', 'then', 'else']);

function isPlainPart(part: unknown): part is JsonSchema {
  return typeof part === 'object' && part !== null && !Array.isArray(part) && !Object.keys(part).some((key) => COMPOSITION.has(key));
}

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** Merges `schema.allOf` into `schema` in place when every part is plain and no constraint disagrees. */
export function mergeAllOf(schema: JsonSchema): void {
  const parts = schema.allOf;
  if (!Array.isArray(parts) || parts.length === 0 || !parts.every(isPlainPart)) return;
  const { allOf: _allOf, ...own } = schema;
  const merged: JsonSchema = {};
  const properties: JsonSchema = {};
  const required = new Set<string>();
  for (const part of [own, ...parts]) {
    for (const [key, value] of Object.entries(part)) {
      if (key === 'properties' && typeof value === 'object' && value !== null) {
        for (const [name, sub] of Object.entries(value)) {
          if (name in properties && !same(properties[name], sub)) return;
          properties[name] = sub;
        }
      } else if (key === 'required' && Array.isArray(value)) {
        for (const name of value) if (typeof name === 'string') required.add(name);
      } else if (!(key in merged)) {
        merged[key] = value;
      } else if (!ANNOTATIONS.has(key) && !same(merged[key], value)) {
        return;
      }
    }
  }
  for (const key of Object.keys(schema)) delete schema[key];
  Object.assign(schema, merged);
  if (Object.keys(properties).length > 0) schema.properties = properties;
  if (required.size > 0) schema.required = [...required];
}
