// A tool definition → the separate texts the ranker weighs differently. A word in a tool's own name says far more
// about what it does than the same word deep in a long description, and the service a tool belongs to is the
// strongest hint when a request names it ("... using the Bing Search API").
import type { ToolDef } from './types.js';

/** The field names, in a fixed order so per-field arrays can be indexed by position. */
export const FIELDS = ['name', 'service', 'category', 'description', 'params', 'paramDocs'] as const;

/** One of {@link FIELDS}. */
export type Field = (typeof FIELDS)[number];

/** The texts of one tool, by field. */
export type FieldTexts = Record<Field, string>;

// Gateways namespace tools as "<target>__<tool>" or "<target>___<tool>" (AgentCore uses three underscores).
const NAMESPACE = /^(.+?)_{2,}(.+)$/;

// Catalogue metadata appended to a description: "[RapidAPI tool: Bing Search; category: Data]". Matched generically
// (any "[key: value; key: value]" block at the end) so other catalogues that annotate the same way work too.
const META_BLOCK = /\[([^[\]]*:[^[\]]*)\]\s*$/;

/** Splits a trailing "[key: value; ...]" block off a description into (body, metadata entries). */
export function splitMetadata(description: string): { body: string; meta: [string, string][] } {
  const m = META_BLOCK.exec(description);
  if (!m) return { body: description, meta: [] };
  const meta: [string, string][] = [];
  for (const entry of (m[1] as string).split(';')) {
    const colon = entry.indexOf(':');
    if (colon > 0) meta.push([entry.slice(0, colon).trim().toLowerCase(), entry.slice(colon + 1).trim()]);
  }
  return { body: description.slice(0, m.index), meta };
}

/** The namespace part of a tool name ("bing_search__web_search" → "bing_search"), or undefined when there is none. */
export function namespaceOf(name: string): string | undefined {
  return NAMESPACE.exec(name)?.[1];
}

function schemaProperties(schema: unknown): Record<string, unknown> {
  if (typeof schema !== 'object' || schema === null) return {};
  const props = (schema as { properties?: unknown }).properties;
  return typeof props === 'object' && props !== null ? (props as Record<string, unknown>) : {};
}

/** Parameter names and their descriptions/enum values, one level of nested objects deep. */
function parameterTexts(schema: unknown, depth = 0): { names: string[]; docs: string[] } {
  const names: string[] = [];
  const docs: string[] = [];
  for (const [key, raw] of Object.entries(schemaProperties(schema))) {
    names.push(key);
    if (typeof raw !== 'object' || raw === null) continue;
    const prop = raw as { description?: unknown; title?: unknown; enum?: unknown };
    if (typeof prop.title === 'string') docs.push(prop.title);
    if (typeof prop.description === 'string') docs.push(prop.description);
    if (Array.isArray(prop.enum)) docs.push(prop.enum.filter((v) => typeof v === 'string').join(' '));
    if (depth < 1) {
      const nested = parameterTexts(raw, depth + 1);
      names.push(...nested.names);
      docs.push(...nested.docs);
    }
  }
  return { names, docs };
}

/** The field texts of a tool, plus `family`: the key (namespace, else service) that groups sibling tools. */
export function toolFields(tool: ToolDef): FieldTexts & { family: string } {
  const namespace = namespaceOf(tool.name);
  const { body, meta } = splitMetadata(tool.description ?? '');
  const serviceMeta = meta.filter(([k]) => /tool|service|server|api|provider|target/.test(k)).map(([, v]) => v);
  const categoryMeta = meta.filter(([k]) => /categor|tag|group|domain/.test(k)).map(([, v]) => v);
  const params = parameterTexts(tool.inputSchema);
  return {
    name: [namespace ? tool.name.slice(namespace.length).replace(/^_+/, '') : tool.name, tool.title ?? ''].join(' '),
    // The metadata spells the service in full; the namespace is often a cut-down slug of the same words.
    service: serviceMeta.length > 0 ? serviceMeta.join(' ') : (namespace ?? ''),
    category: categoryMeta.join(' '),
    description: body,
    params: params.names.join(' '),
    paramDocs: params.docs.join(' '),
    family: (namespace ?? serviceMeta[0] ?? tool.name).toLowerCase(),
  };
}
