// 2025-11-25 sessions over Streamable HTTP: `initialize` opens a session with its own worker, and every later request
// of the session goes through the SDK transport it was opened with.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { WebStandardStreamableHTTPServerTransport, isInitializeRequest, type JSONRPCMessage } from '@modelcontextprotocol/server';
import { newRequestId } from '../errors/index.js';
import { sendFetchResponse, toFetchRequest } from '../http/index.js';
import { SessionEventStore } from '../mcp/index.js';
import { initializeForModernServer, isUnsupportedVersion, type InitializeParams } from './era.js';
import { AGENTCORE_SESSION_HEADER } from './headers.js';
import { header } from './replies.js';
import type { MessageSink } from './session.js';
import { ownerOf, type HttpInvocation, type SessionEntry } from './session-table.js';

/** How soon a client whose SSE stream dropped should reconnect (sent as the SSE `retry` field). */
const SSE_RETRY_MS = 1_000;

/**
 * The edge's id of each HTTP request handed to a session transport. The transport gives every message it passes on
 * the Request it came in (`extra.request`), so a session's error answer names the request it answers.
 */
const requestIds = new WeakMap<Request, string>();

/** The request as the SDK transport takes it, remembered with its id. */
function transportRequest(req: IncomingMessage, requestId: string): Request {
  const request = toFetchRequest(req, undefined);
  requestIds.set(request, requestId);
  return request;
}

/** Opens a session for an `initialize` request (under the caller's id when it chose one) and answers it. */
export async function openHttpSession(call: HttpInvocation, body: unknown, requestedId: string | undefined): Promise<void> {
  const { sessions, log, req, res, name, target, logLine, principal, requestId } = call;
  const owner = ownerOf(principal);
  const session = await sessions.open(name, target, { ...(requestedId ? { id: requestedId } : {}), ...(owner ? { owner } : {}), storable: true });
  const transport = new WebStandardStreamableHTTPServerTransport({
    sessionIdGenerator: () => session.id,
    enableJsonResponse: !(header(req, 'accept') ?? '').includes('text/event-stream'),
    eventStore: new SessionEventStore(),
    retryInterval: SSE_RETRY_MS,
  });
  // A server that speaks only 2026-07-28 refuses this initialize; answer it from server/discover instead.
  let initialize: { id: unknown; params: InitializeParams } | undefined;
  const sink: MessageSink = {
    send: async (message, options) => {
      if (initialize && (message as { id?: unknown }).id === initialize.id && isUnsupportedVersion(message)) {
        const result = await initializeForModernServer(session, initialize.params, requestId);
        if (result) return transport.send({ jsonrpc: '2.0', id: initialize.id, result } as JSONRPCMessage, options);
      }
      return transport.send(message, options);
    },
  };
  transport.onmessage = (message: JSONRPCMessage, extra) => {
    if (isInitializeRequest(message)) initialize = { id: (message as { id?: unknown }).id, params: message.params as InitializeParams };
    // Every message arrives with its Request; an unknown one would be a change in the SDK, and still gets an id.
    const messageRequestId = (extra?.request && requestIds.get(extra.request)) ?? newRequestId();
    session
      .fromCaller(message, sink, messageRequestId)
      .catch((error: Error) => log.warn('could not reach worker', { session: session.id, requestId: messageRequestId, error: error.message }));
  };
  session.defaultSink = transport;
  await transport.start();
  sessions.register({
    session,
    spec: target.spec,
    transport,
    closeCaller: () => void transport.close().catch(() => undefined),
    owner,
    ...(principal ? { subject: principal.subject } : {}),
  });
  logLine.session = session.id;
  logLine.pid = session.worker.pid;
  const response = await transport.handleRequest(transportRequest(req, requestId), { parsedBody: body });
  await sendFetchResponse(res, response, { [AGENTCORE_SESSION_HEADER]: session.id });
}

/** Hands a later request of an open session to its transport; a successful DELETE ends the session. */
export async function forwardToSession(req: IncomingMessage, res: ServerResponse, entry: SessionEntry, body: unknown, requestId: string): Promise<void> {
  const { session, transport } = entry as Required<SessionEntry>;
  if (!req.headers['mcp-session-id']) req.headers['mcp-session-id'] = session.id;
  session.lastActivity = Date.now();
  const response = await transport.handleRequest(transportRequest(req, requestId), { parsedBody: body });
  if (req.method === 'DELETE' && response.ok) await session.end('deleted');
  await sendFetchResponse(res, response, { [AGENTCORE_SESSION_HEADER]: session.id });
}
