import type { IncomingMessage, ServerResponse } from 'node:http';
import { classifyInboundRequest, isInitializeRequest } from '@modelcontextprotocol/server';
import { BodyTooLargeError, metadataPath, parseJsonRpcBody, readBody, requestOrigin, runtimePathOfSegment } from '../http/index.js';
import type { ToolportError } from '../errors/index.js';
import { AuthError, sendAuthChallenge, type InboundAuth, type Principal } from '../identity/index.js';
import type { Logger } from '../log/index.js';
import { sendJsonRpcError } from '../mcp/index.js';
import { RuntimeError } from './errors.js';
import { AGENTCORE_SESSION_HEADER } from './headers.js';
import { servePerRequest } from './per-request-http.js';
import { runtimeNameOf, type RuntimeRecords } from './records.js';
import { header, sendRuntimeError } from './replies.js';
import { forwardToSession, openHttpSession } from './session-http.js';
import { ownerOf, sessionNotFound, type SessionTable } from './session-table.js';

/** The session a request names; both session headers may be sent, but then they must name the same session. */
function sessionIdOf(req: IncomingMessage): string | undefined {
  const mcp = header(req, 'mcp-session-id');
  const agentcore = header(req, AGENTCORE_SESSION_HEADER);
  if (mcp !== undefined && agentcore !== undefined && mcp !== agentcore) {
    throw new RuntimeError('bad_request', `Mcp-Session-Id and ${AGENTCORE_SESSION_HEADER} name different sessions; send one of them, or the same id in both`);
  }
  return mcp ?? agentcore;
}

/**
 * One HTTP request to `/runtimes/{ref}/invocations`: the session it names, the runtime's authorizer, the qualifier,
 * the JSON-RPC body, then the era's own path (a 2025-11-25 session or a 2026-07-28 request). One log line each.
 */
export class HttpInvocations {
  constructor(
    private readonly records: RuntimeRecords,
    private readonly sessions: SessionTable,
    private readonly auth: InboundAuth,
    private readonly log: Logger,
  ) {}

  /** `requestId` is the edge's id of this request: its access-log line and any error answered to it carry it. */
  async handle(req: IncomingMessage, res: ServerResponse, ref: string, qualifier: string, requestId: string): Promise<void> {
    const started = performance.now();
    const log: Record<string, unknown> = { runtime: ref, method: req.method, requestId };
    res.on('close', () => {
      this.log.info('invocation', { ...log, status: res.statusCode, ms: Math.round((performance.now() - started) * 100) / 100 });
    });
    let id: unknown = null;
    try {
      const name = runtimeNameOf(ref);
      log.runtime = name;
      const sessionId = sessionIdOf(req);
      const existing = sessionId ? this.sessions.get(sessionId) : undefined;
      // Refused before anything else: another runtime's session must never choose how this request is authenticated.
      if (existing && existing.session.runtime !== name) throw sessionNotFound(sessionId);
      // The runtime's current auth settings guard every endpoint and session; endpoints are named only after they pass.
      const { spec: current } = await this.records.get(name);
      const base = requestOrigin(req);
      // Read at most once: a signing scheme (SigV4) hashes the body before the JSON-RPC handling below parses it.
      let rawBody: Promise<Buffer> | undefined;
      const readRaw = (): Promise<Buffer> => (rawBody ??= readBody(req, current.limits.maxBodyBytes));
      let principal: Principal | undefined;
      try {
        principal = await this.auth.authenticate(current.auth, {
          method: req.method ?? 'GET',
          url: new URL(req.url ?? '/', base),
          headers: req.headers,
          body: readRaw,
        });
      } catch (error) {
        if (!(error instanceof AuthError)) throw error;
        log.auth = error.code;
        sendAuthChallenge(res, error, `${base}${metadataPath(runtimePathOfSegment(ref))}`, requestId);
        return;
      }
      if (principal) log.subject = principal.subject;
      if (existing && existing.owner !== ownerOf(principal)) throw sessionNotFound(sessionId);
      const target = existing ? { version: existing.session.version, spec: existing.spec } : await this.records.resolve(name, qualifier);
      let body: unknown;
      if (req.method === 'POST') {
        const parsed = parseJsonRpcBody((await readRaw()).toString('utf8'));
        if ('error' in parsed) return this.refuse(res, parsed.error, requestId, log);
        body = parsed.body;
        id = (body as { id?: unknown }).id ?? null;
        log.rpc = Array.isArray(body) ? 'batch' : (body as { method?: unknown }).method;
      }
      const call = { sessions: this.sessions, log: this.log, req, res, name, target, logLine: log, principal, requestId };
      const route = classifyInboundRequest({
        httpMethod: req.method ?? 'GET',
        protocolVersionHeader: header(req, 'mcp-protocol-version'),
        mcpMethodHeader: header(req, 'mcp-method'),
        mcpNameHeader: header(req, 'mcp-name'),
        body,
      });
      if (route.kind === 'reject') {
        return sendJsonRpcError(res, route.httpStatus, route, requestId, id);
      }
      if (route.kind === 'modern') {
        await servePerRequest(call, route);
        return;
      }
      const initializing = Array.isArray(body) ? body.some((m) => isInitializeRequest(m)) : isInitializeRequest(body);
      if (initializing) {
        if (existing)
          throw new RuntimeError('bad_request', `session ${sessionId} is already initialized; send initialize without a session id to start another`);
        await openHttpSession(call, body, sessionId);
        return;
      }
      if (!sessionId) {
        throw new RuntimeError('session_required', 'this request needs the Mcp-Session-Id header from the initialize response; send initialize first');
      }
      if (!existing || existing.session.isEnded || !existing.transport) throw sessionNotFound(sessionId);
      log.session = sessionId;
      await forwardToSession(req, res, existing, body, requestId);
    } catch (error) {
      if (error instanceof BodyTooLargeError)
        return this.refuse(res, new RuntimeError('body_too_large', `${error.message}; send less or raise limits.maxBodyBytes`), requestId, log, id);
      if (error instanceof RuntimeError) return this.refuse(res, error, requestId, log, id);
      this.log.error('invocation failed', { ...log, error: (error as Error).stack });
      const internal = `internal error while invoking the runtime; see the server log for request id ${requestId}`;
      sendRuntimeError(res, new RuntimeError('worker_unavailable', internal, { cause: error }), requestId, id);
    }
  }

  /** Answers a failure Toolport can name; the request's access-log line gets its code and the detail kept from the caller. */
  private refuse(res: ServerResponse, error: ToolportError, requestId: string, log: Record<string, unknown>, id: unknown = null): void {
    log.code = error.code;
    if (error.detail) log.detail = error.detail;
    sendRuntimeError(res, error, requestId, id);
  }
}
