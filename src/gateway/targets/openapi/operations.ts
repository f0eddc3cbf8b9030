import { createHash } from 'node:crypto';
import type { Tool } from '@modelcontextprotocol/server';
import { TargetError } from '../types.js';
import { isRecord, MAX_DEPTH, MAX_SCHEMA_NODES, toJsonSchema, type ConvertOptions, type JsonSchema } from './json-schema.js';

export type ParameterLocation = 'path' | 'query' | 'header' | 'cookie';

/** Where one input property goes in the HTTP request, and how it is serialised (OpenAPI 3 "style"/"explode"). */
export interface ParameterBinding {
  key: string;
  name: string;
  in: ParameterLocation;
  required: boolean;
  style: string;
  explode: boolean;
  allowReserved: boolean;
  /** Declared with `content` instead of `schema`: the value is sent JSON-encoded. */
  json: boolean;
}

/** One operation as a callable tool. */
export interface Operation {
  tool: Tool;
  method: string;
  /** The path template without any `#variant` suffix (Box marks variants of one URL that way). */
  path: string;
  /** Absolute server URL, or undefined when the document gives only one relative to a file (then `baseUrl` is needed). */
  server: string | undefined;
  parameters: ParameterBinding[];
  body?: { key: string; mediaType: string; required: boolean };
  accept: string;
}

export interface OperationFilter {
  baseUrl?: string | undefined;
  include?: string[] | undefined;
  exclude?: string[] | undefined;
}

/** The HTTP methods a Path Item may hold (OpenAPI 3 §4.8.9). */
export const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;
function isMethod(key: string): boolean {
  return (METHODS as readonly string[]).includes(key);
}

/** OpenAPI 3 §4.8.12: header parameters with these names SHALL be ignored (the request sets them). */
const IGNORED_HEADERS = new Set(['accept', 'content-type', 'authorization']);
/** MCP tool names are `[A-Za-z0-9_.-]{1,128}`; 64 leaves room for the gateway's `{target}___` prefix (targets ≤ 48). */
export const MAX_TOOL_NAME = 64;

/** Every operation under `paths` (webhooks are not callable and are skipped), filtered by `include`/`exclude`. */
export function buildOperations(document: Record<string, unknown>, filter: OperationFilter): Operation[] {
  const paths = isRecord(document.paths) ? document.paths : {};
  const used = new Set<string>();
  const operations: Operation[] = [];
  for (const [pathKey, pathItem] of Object.entries(paths)) {
    if (!isRecord(pathItem)) continue;
    // Document order: tools list the way the API's authors wrote it.
    for (const [method, operation] of Object.entries(pathItem)) {
      if (!isMethod(method) || !isRecord(operation)) continue;
      const operationId = typeof operation.operationId === 'string' && operation.operationId !== '' ? operation.operationId : undefined;
      // Named before filtering, so a tool keeps its name whatever include/exclude leave out.
      const name = uniqueName(toolName(operationId ?? `${method}${pathKey}`), used);
      used.add(name);
      if (!selected([operationId, name], filter)) continue;
      const servers = [operation.servers, pathItem.servers, document.servers];
      operations.push(buildOperation(name, method, pathKey, pathItem, operation, filter.baseUrl ?? serverUrl(servers)));
    }
  }
  return operations;
}

/** Sanitises to `[A-Za-z0-9_.-]`; past the limit, a prefix plus a hash of the full name keeps it unique and stable. */
export function toolName(raw: string): string {
  const clean = raw.replace(/[^A-Za-z0-9_.-]+/g, '_').replace(/^_+|_+$/g, '') || 'operation';
  if (clean.length <= MAX_TOOL_NAME) return clean;
  const hash = createHash('sha256').update(raw).digest('hex').slice(0, 8);
  return `${clean.slice(0, MAX_TOOL_NAME - hash.length - 1)}_${hash}`;
}

function uniqueName(name: string, used: Set<string>): string {
  for (let n = 2; used.has(name) && n < 10_000; n += 1) {
    const suffix = `_${n}`;
    const candidate = `${name.slice(0, MAX_TOOL_NAME - suffix.length)}${suffix}`;
    if (!used.has(candidate)) return candidate;
  }
  return name;
}

function selected(names: (string | undefined)[], filter: OperationFilter): boolean {
  const matches = (patterns: string[]): boolean => patterns.some((pattern) => names.some((name) => name !== undefined && globMatch(pattern, name)));
  if (filter.include && filter.include.length > 0 && !matches(filter.include)) return false;
  return !(filter.exclude && matches(filter.exclude));
}

function globMatch(pattern: string, name: string): boolean {
  const regex = new RegExp(
    `^${pattern
      .split('*')
      .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*')}$`,
  );
  return regex.test(name);
}

/** The first server of the closest level (operation, path item, document), with its variables' defaults. */
function serverUrl(levels: unknown[]): string | undefined {
  const servers = levels.find((level): level is unknown[] => Array.isArray(level) && level.length > 0);
  const server = servers?.[0];
  const template = isRecord(server) && typeof server.url === 'string' ? server.url : '/';
  const variables = isRecord(server) && isRecord(server.variables) ? server.variables : {};
  const url = template.replace(/\{([^}]+)\}/g, (whole, name: string) => {
    const variable = variables[name];
    return isRecord(variable) && variable.default !== undefined ? String(variable.default) : whole;
  });
  // A document fetched by URL had its relative servers resolved at load; a file's relative servers name no host.
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(url) ? url : undefined;
}

/** Shallower limits tried in turn until a tool's whole input fits the node budget: a large input is cut evenly at one
 * depth rather than wherever the budget happened to run out (which would drop the last properties entirely). */
const SHALLOWER_DEPTHS = [12, 9, 7, 5, 4, 3];

interface OperationInput {
  properties: Record<string, JsonSchema>;
  required: string[];
  parameters: ParameterBinding[];
  body: Operation['body'];
}

function operationInput(method: string, pathItem: Record<string, unknown>, operation: Record<string, unknown>): OperationInput {
  const attempt = (maxDepth: number) => {
    const convert: ConvertOptions = { maxDepth, budget: { remaining: MAX_SCHEMA_NODES } };
    return { input: convertInput(method, pathItem, operation, convert), cut: convert.budget.exhausted === true };
  };
  let result = attempt(MAX_DEPTH);
  for (const maxDepth of SHALLOWER_DEPTHS) {
    if (!result.cut) break;
    result = attempt(maxDepth);
  }
  return result.input;
}

function convertInput(method: string, pathItem: Record<string, unknown>, operation: Record<string, unknown>, convert: ConvertOptions): OperationInput {
  const properties: Record<string, JsonSchema> = {};
  const required: string[] = [];
  const parameters: ParameterBinding[] = [];
  for (const parameter of mergedParameters(pathItem, operation)) {
    const binding = parameterBinding(parameter, properties);
    if (!binding) continue;
    properties[binding.key] = parameterSchema(parameter, convert);
    if (binding.required) required.push(binding.key);
    parameters.push(binding);
  }
  const body = requestBody(method, operation, properties, convert);
  if (body?.required) required.push(body.key);
  return { properties, required, parameters, body };
}

function buildOperation(
  name: string,
  method: string,
  pathKey: string,
  pathItem: Record<string, unknown>,
  operation: Record<string, unknown>,
  server: string | undefined,
): Operation {
  const { properties, required, parameters, body } = operationInput(method, pathItem, operation);
  const summary = typeof operation.summary === 'string' ? operation.summary.trim() : '';
  const details = typeof operation.description === 'string' ? operation.description.trim() : '';
  // Summary and description both, unless the description already starts with the summary.
  const description = details !== '' && details.startsWith(summary) ? details : [summary, details].filter(Boolean).join('\n\n');
  const safe = method === 'get' || method === 'head' || method === 'options';
  const tool: Tool = {
    name,
    ...(summary ? { title: summary } : {}),
    description: `${description || `${method.toUpperCase()} ${pathKey}`}${operation.deprecated === true ? '\n\n(Deprecated.)' : ''}`,
    inputSchema: { type: 'object', properties: properties as NonNullable<Tool['inputSchema']['properties']>, ...(required.length > 0 ? { required } : {}) },
    annotations: {
      readOnlyHint: safe,
      destructiveHint: method === 'delete',
      idempotentHint: safe || method === 'put' || method === 'delete',
      openWorldHint: true,
    },
  };
  return {
    tool,
    method: method.toUpperCase(),
    path: pathKey.replace(/#.*$/, ''),
    server,
    parameters,
    ...(body ? { body } : {}),
    accept: acceptHeader(operation),
  };
}

/** Path-level parameters apply to every operation under the path; an operation's own (same name and `in`) win. */
function mergedParameters(pathItem: Record<string, unknown>, operation: Record<string, unknown>): Record<string, unknown>[] {
  const merged = new Map<string, Record<string, unknown>>();
  for (const list of [pathItem.parameters, operation.parameters]) {
    if (!Array.isArray(list)) continue;
    for (const parameter of list) if (isRecord(parameter)) merged.set(`${String(parameter.in)}:${String(parameter.name)}`, parameter);
  }
  return [...merged.values()];
}

function parameterBinding(parameter: Record<string, unknown>, taken: Record<string, unknown>): ParameterBinding | undefined {
  const location = parameter.in;
  const name = parameter.name;
  if (typeof name !== 'string' || (location !== 'path' && location !== 'query' && location !== 'header' && location !== 'cookie')) return undefined;
  if (location === 'header' && IGNORED_HEADERS.has(name.toLowerCase())) return undefined;
  const style = typeof parameter.style === 'string' ? parameter.style : location === 'query' || location === 'cookie' ? 'form' : 'simple';
  return {
    key: freeKey([name, `${location}_${name}`], taken),
    name,
    in: location,
    required: location === 'path' || parameter.required === true,
    style,
    explode: typeof parameter.explode === 'boolean' ? parameter.explode : style === 'form',
    allowReserved: parameter.allowReserved === true,
    json: parameter.schema === undefined && isRecord(parameter.content),
  };
}

/** Input property names: the parameter's own name unless another location took it first. */
function freeKey(candidates: string[], taken: Record<string, unknown>): string {
  const free = candidates.find((key) => !(key in taken));
  if (free !== undefined) return free;
  const base = candidates[candidates.length - 1] ?? 'value';
  let n = 2;
  while (`${base}_${n}` in taken) n += 1;
  return `${base}_${n}`;
}

function parameterSchema(parameter: Record<string, unknown>, convert: ConvertOptions): JsonSchema {
  const source = parameter.schema ?? firstMediaSchema(parameter.content);
  const schema = toJsonSchema(source, convert);
  if (typeof parameter.description === 'string') schema.description = parameter.description;
  if (parameter.deprecated === true) schema.deprecated = true;
  if (parameter.example !== undefined && schema.examples === undefined) schema.examples = [parameter.example];
  return schema;
}

function firstMediaSchema(content: unknown): unknown {
  if (!isRecord(content)) return undefined;
  const first = Object.values(content)[0];
  return isRecord(first) ? first.schema : undefined;
}

/** JSON first (it maps 1:1 to tool arguments), then forms, text, and finally whatever is declared first. */
function pickMediaType(types: string[]): string | undefined {
  return (
    types.find(isJsonMediaType) ??
    types.find((type) => type.startsWith('application/x-www-form-urlencoded')) ??
    types.find((type) => type.startsWith('multipart/form-data')) ??
    types.find((type) => type.startsWith('text/')) ??
    types[0]
  );
}

export function isJsonMediaType(type: string): boolean {
  return /^application\/([\w.-]+\+)?json\b/i.test(type) || type === '*/*' || type === 'application/*';
}

/**
 * The request body always becomes one property, `body` (or `requestBody` if a parameter is called `body`). A GET or
 * HEAD body (3.1 allows one) is left out: fetch cannot send it, and servers ignore it (RFC 9110 §9.3.1).
 */
function requestBody(method: string, operation: Record<string, unknown>, taken: Record<string, unknown>, convert: ConvertOptions): Operation['body'] {
  const body = operation.requestBody;
  if (method === 'get' || method === 'head' || !isRecord(body) || !isRecord(body.content)) return undefined;
  const mediaType = pickMediaType(Object.keys(body.content));
  if (mediaType === undefined) return undefined;
  const media = body.content[mediaType];
  const schema = toJsonSchema(isRecord(media) ? media.schema : undefined, convert);
  if (typeof body.description === 'string' && schema.description === undefined) schema.description = body.description;
  const key = freeKey(['body', 'requestBody'], taken);
  taken[key] = schema;
  return { key, mediaType, required: body.required === true };
}

/** Prefer JSON answers; otherwise ask for what the 2xx responses declare. */
function acceptHeader(operation: Record<string, unknown>): string {
  const responses = isRecord(operation.responses) ? operation.responses : {};
  const types = new Set<string>();
  for (const [status, response] of Object.entries(responses)) {
    if ((/^2/.test(status) || status === 'default') && isRecord(response) && isRecord(response.content)) {
      for (const type of Object.keys(response.content)) types.add(type);
    }
  }
  const json = [...types].find(isJsonMediaType);
  if (json !== undefined) return json.includes('*') ? 'application/json' : json;
  return types.size > 0 ? [...types].join(', ') : '*/*';
}

/** An operation with a server to call. */
export type CallableOperation = Operation & { server: string };

/** A file document whose servers are relative (or absent) gives no host to call: the target needs `baseUrl`. */
export function requireServers(operations: Operation[], location: string): CallableOperation[] {
  const homeless = operations.find((operation) => operation.server === undefined);
  if (homeless === undefined) return operations as CallableOperation[];
  throw new TargetError(
    'invalid',
    `operation ${homeless.tool.name} has no absolute server URL (${location} is a file and its servers are relative or absent): set baseUrl on the target`,
  );
}
