// Which requests are plain enough for the gateway to serve before (list-cache.ts) or beside (session-transport.ts)
// the SDK's HTTP transport: one JSON-RPC request whose headers and fields the SDK would accept as they are. Anything
// less plain goes through the SDK, so the paths cannot disagree on what is valid.
import type { IncomingHttpHeaders } from 'node:http';
import {
  CLIENT_CAPABILITIES_META_KEY,
  CLIENT_INFO_META_KEY,
  PROTOCOL_VERSION_META_KEY,
  SUPPORTED_PROTOCOL_VERSIONS,
  isJsonContentType,
  type JSONRPCRequest,
} from '@modelcontextprotocol/server';
import { PER_REQUEST_PROTOCOL_VERSION } from '../http/index.js';

const LEGACY_VERSIONS = new Set(SUPPORTED_PROTOCOL_VERSIONS.filter((version) => version < PER_REQUEST_PROTOCOL_VERSION));

/** A `tools/list` request plain enough to answer from the cache. */
export interface PlainListRequest {
  id: string | number;
  cursor: string | undefined;
  /** 2025-11-25 requests name their session; 2026-07-28 ones are stateless. */
  sessionId: string | undefined;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return typeof value === 'string' ? value : undefined;
}

/** A JSON-RPC id as the SDK's schema takes it: a string or an integer. */
function isRequestId(id: unknown): id is string | number {
  return typeof id === 'string' || Number.isSafeInteger(id);
}

/** The headers the SDK's transport wants on a POST: both media types accepted, and a JSON body. */
function isStreamablePost(headers: IncomingHttpHeaders): boolean {
  const accept = header(headers, 'accept') ?? '';
  return accept.includes('application/json') && accept.includes('text/event-stream') && isJsonContentType(header(headers, 'content-type') ?? null);
}

/** A request in a 2025-11-25 session with no mark of 2026-07-28 (header or envelope), so the session's server takes it. */
function isLegacySessionRequest(headers: IncomingHttpHeaders, meta: Record<string, unknown>): boolean {
  const version = header(headers, 'mcp-protocol-version');
  return !(PROTOCOL_VERSION_META_KEY in meta) && (version === undefined || LEGACY_VERSIONS.has(version));
}

/** A 2026-07-28 envelope as the SDK's own client sends it: version, client info and capabilities. */
function isModernEnvelope(meta: Record<string, unknown>): boolean {
  const info = meta[CLIENT_INFO_META_KEY];
  return (
    meta[PROTOCOL_VERSION_META_KEY] === PER_REQUEST_PROTOCOL_VERSION &&
    isObject(info) &&
    typeof info.name === 'string' &&
    typeof info.version === 'string' &&
    isObject(meta[CLIENT_CAPABILITIES_META_KEY])
  );
}

/** The request when it is a single, plain `tools/list` the SDK would accept as is; otherwise undefined. */
export function plainToolsList(method: string | undefined, headers: IncomingHttpHeaders, body: unknown): PlainListRequest | undefined {
  if (method !== 'POST' || !isObject(body) || body.jsonrpc !== '2.0' || body.method !== 'tools/list') return undefined;
  const { id, params = {} } = body;
  if (!isRequestId(id) || !isObject(params)) return undefined;
  if (Object.keys(params).some((key) => key !== 'cursor' && key !== '_meta')) return undefined;
  const { cursor, _meta: meta = {} } = params;
  if ((cursor !== undefined && typeof cursor !== 'string') || !isObject(meta)) return undefined;
  if (!isStreamablePost(headers)) return undefined;
  const sessionId = header(headers, 'mcp-session-id');
  if (sessionId !== undefined) {
    if (!isLegacySessionRequest(headers, meta)) return undefined;
  } else if (
    header(headers, 'mcp-protocol-version') !== PER_REQUEST_PROTOCOL_VERSION ||
    header(headers, 'mcp-method') !== 'tools/list' ||
    headers['mcp-name'] !== undefined ||
    !isModernEnvelope(meta)
  ) {
    return undefined;
  }
  return { id, cursor, sessionId };
}

/** A `tools/call` a 2025-11-25 session's server may take straight from the edge (session-transport.ts). */
export interface PlainToolCall {
  request: JSONRPCRequest;
  sessionId: string;
}

/**
 * The request when it is a single plain `tools/call` in a 2025-11-25 session that asks for no progress (progress
 * and log messages stream; the SDK's transport keeps that stream resumable); otherwise undefined.
 */
export function plainToolCall(method: string | undefined, headers: IncomingHttpHeaders, body: unknown): PlainToolCall | undefined {
  if (method !== 'POST' || !isObject(body) || body.jsonrpc !== '2.0' || body.method !== 'tools/call') return undefined;
  if (Object.keys(body).some((key) => key !== 'jsonrpc' && key !== 'id' && key !== 'method' && key !== 'params')) return undefined;
  const { id, params } = body;
  if (!isRequestId(id) || !isObject(params)) return undefined;
  if (Object.keys(params).some((key) => key !== 'name' && key !== 'arguments' && key !== '_meta')) return undefined;
  const { name, arguments: args, _meta: meta = {} } = params;
  if (typeof name !== 'string' || (args !== undefined && !isObject(args)) || !isObject(meta) || 'progressToken' in meta) return undefined;
  const sessionId = header(headers, 'mcp-session-id');
  if (sessionId === undefined || !isStreamablePost(headers) || !isLegacySessionRequest(headers, meta)) return undefined;
  return { request: body as unknown as JSONRPCRequest, sessionId };
}
