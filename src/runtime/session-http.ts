// 2025-11-25 sessions over Streamable HTTP: `initialize` opens a session with its own worker, and every later request
// of the session goes through the SDK transport it was opened with.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { WebStandardStreamableHTTPServerTransport, isInitializeRequest, type JSONRPCMessage } from '@modelcontextprotocol/server';
import { sendFetchResponse, toFetchRequest } from '../http/index.js';
import { SessionEventStore } from '../mcp/index.js';
import { initializeForModernServer, isUnsupportedVersion, type InitializeParams } from './era.js';
import { AGENTCORE_SESSION_HEADER } from './headers.js';
import { header } from './replies.js';
import type { MessageSink } from './session.js';
import { ownerOf, type HttpInvocation, type SessionEntry } from './session-table.js';

/** How soon a client whose SSE stream dropped should reconnect (sent as the SSE `retry` field). */
const SSE_RETRY_MS = 1_000;

/** Opens a session for an `initialize` request (under the caller's id when it chose one) and answers it. */
export async function openHttpSession(call: HttpInvocation, body: unknown, requestedId: string | undefined): Promise<void> {
  const { sessions, log, req, res, name, target, logLine, principal } = call;
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
        const result = await initializeForModernServer(session, initialize.params);
        if (result) return transport.send({ jsonrpc: '2.0', id: initialize.id, result } as JSONRPCMessage, options);
      }
      return transport.send(message, options);
    },
  };
  transport.onmessage = (message: JSONRPCMessage) => {
    if (isInitializeRequest(message)) initialize = { id: (message as { id?: unknown }).id, params: message.params as InitializeParams };
    session.fromCaller(message, sink).catch((error: Error) => log.warn('could not reach worker', { session: session.id, error: error.message }));
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
  const response = await transport.handleRequest(toFetchRequest(req, undefined), { parsedBody: body });
  await sendFetchResponse(res, response, { [AGENTCORE_SESSION_HEADER]: session.id });
}

/** Hands a later request of an open session to its transport; a successful DELETE ends the session. */
export async function forwardToSession(req: IncomingMessage, res: ServerResponse, entry: SessionEntry, body: unknown): Promise<void> {
  const { session, transport } = entry as Required<SessionEntry>;
  if (!req.headers['mcp-session-id']) req.headers['mcp-session-id'] = session.id;
  session.lastActivity = Date.now();
  const response = await transport.handleRequest(toFetchRequest(req, undefined), { parsedBody: body });
  if (req.method === 'DELETE' && response.ok) await session.end('deleted');
  await sendFetchResponse(res, response, { [AGENTCORE_SESSION_HEADER]: session.id });
}
