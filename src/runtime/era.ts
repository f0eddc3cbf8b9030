import {
  CLIENT_CAPABILITIES_META_KEY,
  CLIENT_INFO_META_KEY,
  PROTOCOL_VERSION_META_KEY,
  ProtocolErrorCode,
  SUPPORTED_PROTOCOL_VERSIONS,
  SERVER_INFO_META_KEY,
  type Implementation,
  type JSONRPCMessage,
  type JSONRPCRequest,
  type ServerCapabilities,
  type JSONRPCNotification,
} from '@modelcontextprotocol/server';
import { PER_REQUEST_PROTOCOL_VERSION, PER_REQUEST_PROTOCOL_VERSIONS, SESSION_PROTOCOL_VERSION } from '../http/index.js';
import { RuntimeError } from './errors.js';
import type { MessageSink, Session } from './session.js';

/** What a 2025-11-25-only server said about itself when the runtime initialized it on a 2026-07-28 caller's behalf. */
export interface LegacyServer {
  capabilities: ServerCapabilities;
  serverInfo: Implementation;
  instructions?: string;
}

/** How a worker speaks to 2026-07-28 callers: natively, or as a 2025-11-25 server the runtime initialized. */
export type WorkerEra = { kind: 'modern' } | { kind: 'legacy'; server: LegacyServer };

/**
 * Finds out once per worker whether it serves 2026-07-28 requests. A server that answers `server/discover` with
 * Method not found only speaks 2025-11-25: the runtime initializes it with the caller's declared client info and
 * capabilities and from then on answers `server/discover` for it (a 2025 server serves other requests as they are).
 * `requestId` is the caller's request that asked first.
 */
export async function detectEra(session: Session, envelope: Record<string, unknown>, requestId: string): Promise<WorkerEra> {
  const discover = await session.request('server/discover', { _meta: envelope }, requestId);
  if (discover.error?.code !== ProtocolErrorCode.MethodNotFound) return { kind: 'modern' };
  const init = await session.request(
    'initialize',
    {
      protocolVersion: SESSION_PROTOCOL_VERSION,
      capabilities: envelope[CLIENT_CAPABILITIES_META_KEY] ?? {},
      clientInfo: envelope[CLIENT_INFO_META_KEY] ?? { name: 'toolport-runtime', version: '1' },
    },
    requestId,
  );
  if (!init.result) {
    throw new RuntimeError('worker_unavailable', 'the hosted server speaks neither 2026-07-28 nor 2025-11-25 (its initialize failed)', {
      detail: init.error?.message ?? 'no answer',
    });
  }
  await session.fromCaller({ jsonrpc: '2.0', method: 'notifications/initialized' } as JSONRPCMessage, { send: async () => undefined }, requestId);
  const { capabilities, serverInfo, instructions } = init.result as unknown as LegacyServer;
  return {
    kind: 'legacy',
    server: { capabilities: capabilities ?? {}, serverInfo: serverInfo ?? { name: 'unknown', version: '0' }, ...(instructions ? { instructions } : {}) },
  };
}

/** 2026-07-28 results that carry cache hints (caching SEP); a 2025 server gives none, so the SDK's defaults apply. */
const CACHEABLE = new Set(['tools/list', 'prompts/list', 'resources/list', 'resources/templates/list', 'resources/read', 'server/discover']);
const NO_CACHE_HINT = { ttlMs: 0, cacheScope: 'private' };

/**
 * Makes a 2025-11-25 server's answer to one per-request call read as a 2026-07-28 result: it is complete
 * (`resultType`), cacheable results get the default hint (not cached, private), and `_meta` names the server.
 */
export function legacyResultSink(era: WorkerEra, sink: MessageSink, method: string): MessageSink {
  if (era.kind !== 'legacy') return sink;
  return {
    send: (message, options) => {
      const response = message as { result?: Record<string, unknown> };
      if (!response.result) return sink.send(message, options);
      const meta = { ...(response.result._meta as Record<string, unknown> | undefined), [SERVER_INFO_META_KEY]: era.server.serverInfo };
      const result = { ...(CACHEABLE.has(method) ? NO_CACHE_HINT : {}), ...response.result, resultType: 'complete', _meta: meta };
      return sink.send({ ...message, result } as JSONRPCMessage, options);
    },
  };
}

/** The 2026-07-28 `server/discover` answer on behalf of a 2025-11-25 server, or undefined for any other message. */
export function answerForLegacy(era: WorkerEra, message: JSONRPCRequest | JSONRPCNotification): JSONRPCMessage | undefined {
  if (era.kind !== 'legacy' || message.method !== 'server/discover' || !('id' in message)) return undefined;
  const { capabilities, serverInfo, instructions } = era.server;
  return {
    jsonrpc: '2.0',
    id: message.id,
    result: {
      resultType: 'complete',
      ...NO_CACHE_HINT,
      supportedVersions: [...PER_REQUEST_PROTOCOL_VERSIONS],
      capabilities,
      ...(instructions ? { instructions } : {}),
      _meta: { [SERVER_INFO_META_KEY]: serverInfo },
    },
  } as JSONRPCMessage;
}

/** What a 2025-11-25 caller sent in `initialize`. */
export interface InitializeParams {
  protocolVersion?: string;
  capabilities?: Record<string, unknown>;
  clientInfo?: Record<string, unknown>;
}

/**
 * When a server that speaks only 2026-07-28 refused a 2025-11-25 caller's `initialize`, asks it `server/discover`
 * with the caller's client info and capabilities as the per-request envelope, makes the session add that envelope to
 * every later request, and returns the InitializeResult to give the caller (undefined if the server cannot discover).
 */
export async function initializeForModernServer(session: Session, init: InitializeParams, requestId: string): Promise<Record<string, unknown> | undefined> {
  const envelope = {
    [PROTOCOL_VERSION_META_KEY]: PER_REQUEST_PROTOCOL_VERSION,
    [CLIENT_INFO_META_KEY]: init.clientInfo ?? { name: 'toolport-runtime', version: '1' },
    [CLIENT_CAPABILITIES_META_KEY]: init.capabilities ?? {},
  };
  const discover = await session.request('server/discover', { _meta: envelope }, requestId);
  if (!discover.result) return undefined;
  session.envelope = envelope;
  const { capabilities, instructions, _meta } = discover.result as {
    capabilities?: ServerCapabilities;
    instructions?: string;
    _meta?: Record<string, unknown>;
  };
  const requested = init.protocolVersion ?? '';
  return {
    protocolVersion: SUPPORTED_PROTOCOL_VERSIONS.includes(requested) ? requested : (SUPPORTED_PROTOCOL_VERSIONS[0] as string),
    capabilities: capabilities ?? {},
    serverInfo: (_meta?.[SERVER_INFO_META_KEY] as Implementation | undefined) ?? { name: 'unknown', version: '0' },
    ...(instructions ? { instructions } : {}),
  };
}

/** True for a worker's answer that it does not speak the caller's (2025-era) protocol version. */
export function isUnsupportedVersion(message: JSONRPCMessage): boolean {
  return (message as { error?: { code?: number } }).error?.code === ProtocolErrorCode.UnsupportedProtocolVersion;
}
