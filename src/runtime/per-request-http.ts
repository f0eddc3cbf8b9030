// 2026-07-28 requests over HTTP: everything rides on each request. With the runtime session header a request reaches
// that session's own worker (created on first use); without it, the runtime version's stateless worker for its caller,
// as replicas of a stateless server would.
import { PerRequestHTTPServerTransport, UnsupportedProtocolVersionError, type InboundModernRoute, type JSONRPCMessage } from '@modelcontextprotocol/server';
import { PER_REQUEST_PROTOCOL_VERSIONS, sendFetchResponse, toFetchRequest } from '../http/index.js';
import { sendJsonRpcError } from '../mcp/index.js';
import { answerForLegacy, detectEra, legacyResultSink } from './era.js';
import { AGENTCORE_SESSION_HEADER, HEADER_MISMATCH, routingHeaderMismatch } from './headers.js';
import { header, withLadderStatus } from './replies.js';
import { ownerOf, sessionNotFound, type HttpInvocation } from './session-table.js';

/** Serves one 2026-07-28 request on the worker of its session, or of its caller's stateless session. */
export async function servePerRequest(call: HttpInvocation, route: InboundModernRoute): Promise<void> {
  const { sessions, log, req, res, name, target, logLine, principal, requestId } = call;
  const id = route.messageKind === 'request' ? route.message.id : null;
  const requested = route.classification.revision;
  if (requested === undefined || !PER_REQUEST_PROTOCOL_VERSIONS.includes(requested)) {
    // Answered here, as the SDK's HTTP entry does: the worker behind stdio cannot set an HTTP status.
    return sendJsonRpcError(
      res,
      400,
      new UnsupportedProtocolVersionError({ supported: [...PER_REQUEST_PROTOCOL_VERSIONS], requested: requested ?? 'unknown' }),
      requestId,
      id,
    );
  }
  const mismatch = routingHeaderMismatch(route.message.method, route.message.params, header(req, 'mcp-method'), header(req, 'mcp-name'));
  if (mismatch) return sendJsonRpcError(res, 400, { code: HEADER_MISMATCH, message: mismatch }, requestId, id);
  const callerSession = header(req, AGENTCORE_SESSION_HEADER);
  // Stateless traffic shares a worker per runtime version and caller, never across callers.
  const owner = ownerOf(principal);
  const sessionId = callerSession ?? sessions.statelessId(name, target.version, owner);
  const entry = sessions.get(sessionId) ?? (await sessions.openShared(sessionId, name, target, callerSession !== undefined, principal));
  if (entry.session.runtime !== name || entry.owner !== owner) throw sessionNotFound(sessionId);
  const { session } = entry;
  logLine.session = session.id;
  logLine.pid = session.worker.pid;
  const envelope = ((route.message.params as { _meta?: Record<string, unknown> } | undefined)?._meta ?? {}) as Record<string, unknown>;
  entry.era ??= detectEra(session, envelope, requestId).catch((error: unknown) => {
    entry.era = undefined; // a failed probe is retried by the next request
    throw error;
  });
  const era = await entry.era;
  const direct = answerForLegacy(era, route.message);
  if (direct) {
    res.writeHead(200, { 'content-type': 'application/json', [AGENTCORE_SESSION_HEADER]: session.id }).end(JSON.stringify(direct));
    return;
  }
  const transport = new PerRequestHTTPServerTransport({ classification: route.classification, responseMode: 'auto' });
  const sink = legacyResultSink(era, transport, route.message.method);
  transport.onmessage = (message: JSONRPCMessage) => {
    session
      .fromCaller(message, sink, requestId)
      .catch((error: Error) => log.warn('could not reach worker', { session: session.id, requestId, error: error.message }));
  };
  await transport.start();
  const response = await withLadderStatus(await transport.handleMessage(route.message, { request: toFetchRequest(req, undefined) }));
  await sendFetchResponse(res, response, { [AGENTCORE_SESSION_HEADER]: session.id });
}
