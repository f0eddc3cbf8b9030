// Serves `/gateways/{name}/mcp`: inbound auth, then MCP Streamable HTTP for both revisions through the SDK —
// 2026-07-28 requests to a per-gateway `createMcpHandler` (per-request server instances; it checks the routing
// headers itself), 2025-11-25 traffic to sessions with their own transport and server, bound to the caller who opened
// them. The caller's token stays here: targets get only the credentials their own spec names.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  WebStandardStreamableHTTPServerTransport,
  createMcpHandler,
  isInitializeRequest,
  isLegacyRequest,
  type AuthInfo,
  type McpHttpHandler,
  type Server,
} from '@modelcontextprotocol/server';
import { BodyTooLargeError, gatewayPath, metadataPath, parseJsonRpcBody, readBody, requestOrigin, sendFetchResponse, toFetchRequest } from '../http/index.js';
import { AuthError, InboundAuth, sendAuthChallenge, type Principal } from '../identity/index.js';
import { errorAnswer, ToolportError, type ErrorAnswer } from '../errors/index.js';
import type { Logger } from '../log/index.js';
import { SessionEventStore, sendErrorAnswer } from '../mcp/index.js';
import { CallRunner, type Caller } from './calls.js';
import { callerOf, handlerAuthInfo } from './handler-info.js';
import { LiveGateway, type DriverFactory } from './live.js';
import { ToolListPages } from './list-cache.js';
import { plainToolCall, plainToolsList, type PlainListRequest, type PlainToolCall } from './plain-requests.js';
import { createGatewayServer } from './server.js';
import { SessionTransport } from './session-transport.js';
import type { GatewayStore } from './store.js';

/** Sessions a client abandons without DELETE are closed after this long without a request. */
const SESSION_IDLE_MS = 30 * 60_000;
/** What a 2025-11-25 client refused for too many sessions is told to wait (Retry-After), as runtimes say. */
const SESSIONS_FULL_RETRY_SECONDS = 5;
/** How soon a client whose SSE stream dropped should reconnect (the SSE `retry` field). */
const SSE_RETRY_MS = 1_000;

interface LegacySession {
  gateway: string;
  transport: SessionTransport;
  server: Server;
  /** Who opened the session, as its server sees them (with the log level they set). */
  caller: Caller;
  owner: string | undefined;
  lastSeen: number;
  unsubscribe: () => void;
}

interface Served {
  live: LiveGateway;
  modern: McpHttpHandler;
  lists: ToolListPages;
  unsubscribe: () => void;
}

function ownerOf(principal: Principal | undefined): string | undefined {
  return principal ? JSON.stringify([principal.issuer, principal.subject, principal.clientId ?? null]) : undefined;
}

/** The client name and capabilities a 2025-11-25 caller declared in `initialize`. */
function declared(body: unknown): Pick<Caller, 'clientName' | 'capabilities'> {
  const messages = Array.isArray(body) ? body : [body];
  const init = messages.find((m) => isInitializeRequest(m)) as
    { params?: { clientInfo?: { name?: unknown }; capabilities?: Record<string, unknown> } } | undefined;
  const name = init?.params?.clientInfo?.name;
  return { ...(typeof name === 'string' ? { clientName: name } : {}), ...(init?.params?.capabilities ? { capabilities: init.params.capabilities } : {}) };
}

/** Runs every gateway in the store and answers its MCP endpoint. */
export class GatewayHost {
  private readonly served = new Map<string, Served>();
  private readonly sessions = new Map<string, LegacySession>();
  /** Per gateway: initialize requests whose session is not registered yet. */
  private readonly opening = new Map<string, number>();
  private readonly calls: CallRunner;
  private readonly sweeper: NodeJS.Timeout;

  constructor(
    private readonly store: GatewayStore,
    private readonly makeDriver: DriverFactory,
    private readonly log: Logger,
    private readonly auth: InboundAuth = new InboundAuth(),
  ) {
    this.calls = new CallRunner(store, log);
    this.sweeper = setInterval(() => this.sweep(), 60_000);
    this.sweeper.unref();
  }

  /**
   * Loads every stored gateway and syncs what is due (call once the edge listens: a target may need it, e.g. for
   * vault tokens from this platform's Identity); resolves once targets that never had a catalog have one.
   */
  async start(): Promise<void> {
    const gateways = await Promise.all((await this.store.listGateways()).map((row) => this.load(row.name)));
    await Promise.all(gateways.map((live) => live?.start()));
  }

  /** The running gateway named `name`, if it exists. */
  gateway(name: string): LiveGateway | undefined {
    return this.served.get(name)?.live;
  }

  private async load(name: string): Promise<LiveGateway | undefined> {
    const row = await this.store.getGateway(name);
    if (!row) return undefined;
    const live = new LiveGateway(row, this.store, this.makeDriver, this.log.child({ gateway: name }));
    await live.load(await this.store.listTargets(name));
    const modern = createMcpHandler((ctx) => createGatewayServer(live, this.calls, () => callerOf(ctx.authInfo), this.log), {
      legacy: 'reject',
      maxRequestBodySize: row.spec.maxBodyBytes,
      onerror: (error) => this.log.debug('gateway request refused', { gateway: name, error: error.message }),
    });
    const unsubscribe = live.onChange(() => modern.notify.toolsChanged());
    this.served.set(name, { live, modern, lists: new ToolListPages(live), unsubscribe });
    return live;
  }

  /**
   * Re-reads a gateway after its settings changed (or it was deleted): its sessions end (clients re-initialize and
   * get the new settings) and its targets are rebuilt. Returns the new running gateway.
   */
  async reload(name: string): Promise<LiveGateway | undefined> {
    await this.unload(name);
    const live = await this.load(name);
    await live?.start();
    return live;
  }

  private async unload(name: string): Promise<void> {
    const served = this.served.get(name);
    if (!served) return;
    this.served.delete(name);
    for (const [id, session] of this.sessions) if (session.gateway === name) this.endSession(id, session);
    served.unsubscribe();
    await served.modern.close();
    await served.live.close();
  }

  private endSession(id: string, session: LegacySession): void {
    this.sessions.delete(id);
    session.unsubscribe();
    void session.transport.close().catch(() => undefined);
    void session.server.close().catch(() => undefined);
  }

  private sweep(): void {
    const cutoff = Date.now() - SESSION_IDLE_MS;
    for (const [id, session] of this.sessions) if (session.lastSeen < cutoff) this.endSession(id, session);
  }

  /** RFC 9728 metadata of a protected gateway; undefined when it is unknown or open. */
  async protectedResourceMetadata(name: string, baseUrl: string): Promise<Record<string, unknown> | undefined> {
    const live = this.gateway(name);
    if (!live) return undefined;
    return this.auth.protectedResourceMetadata(live.row.spec.auth, `${baseUrl}${gatewayPath(name)}`, `Toolport gateway ${name}`);
  }

  /**
   * Handles one HTTP request to `/gateways/{name}/mcp`. `requestId` is the edge's id of it: every error answered to it,
   * in the edge or in an MCP handler, and the log line of that error carry it.
   */
  async handle(req: IncomingMessage, res: ServerResponse, name: string, requestId: string): Promise<void> {
    const served = this.served.get(name);
    if (!served)
      return sendErrorAnswer(
        res,
        this.refusal(name, new ToolportError('gateway_not_found', `no gateway named "${name}"; list them with: toolport gateway list`), requestId),
      );
    const { live, modern } = served;
    const base = requestOrigin(req);
    // Read at most once: a signing scheme (SigV4) hashes the body before the MCP handling parses it.
    let rawBody: Promise<Buffer> | undefined;
    const readRaw = (): Promise<Buffer> => (rawBody ??= readBody(req, live.row.spec.maxBodyBytes));
    let principal: Principal | undefined;
    try {
      principal = await this.auth.authenticate(live.row.spec.auth, {
        method: req.method ?? 'GET',
        url: new URL(req.url ?? '/', base),
        headers: req.headers,
        body: readRaw,
      });
      let body: unknown;
      let raw: Buffer | undefined;
      if (req.method === 'POST') {
        raw = await readRaw();
        const parsed = parseJsonRpcBody(raw.toString('utf8'));
        if ('error' in parsed) return sendErrorAnswer(res, this.refusal(name, parsed.error, requestId));
        body = parsed.body;
      }
      const cached = this.cachedToolList(served, plainToolsList(req.method, req.headers, body), principal);
      if (cached) {
        res.writeHead(200, cached.headers);
        res.cork();
        for (const part of cached.body) res.write(part);
        res.end();
        return;
      }
      const direct = plainToolCall(req.method, req.headers, body);
      if (direct && this.callDirectly(live, direct, principal, requestId, res)) return;
      // Cancel in-flight work (and the target calls behind it) when the client goes away. A response that finished
      // has nothing left to cancel, and aborting it anyway costs an AbortError and its listeners on every request.
      const abort = new AbortController();
      res.on('close', () => {
        if (!res.writableFinished) abort.abort();
      });
      const request = toFetchRequest(req, raw, abort.signal);
      const caller: Caller = { principal };
      const authInfo = handlerAuthInfo(caller, requestId);
      const response = (await isLegacyRequest(request, body))
        ? await this.serveLegacy(live, request, body, authInfo, requestId)
        : await modern.fetch(request, { parsedBody: body, authInfo });
      await sendFetchResponse(res, response);
    } catch (error) {
      if (error instanceof AuthError) {
        this.refusal(name, error, requestId);
        return sendAuthChallenge(res, error, `${base}${metadataPath(gatewayPath(name))}`, requestId);
      }
      if (error instanceof BodyTooLargeError) {
        const tooLarge = new ToolportError('body_too_large', `${error.message}; send less or raise the gateway's maxBodyBytes`);
        return sendErrorAnswer(res, this.refusal(name, tooLarge, requestId));
      }
      throw error;
    }
  }

  /** A plain tools/list answered from the gateway's serialised pages, when the caller may see them (see list-cache.ts). */
  private cachedToolList(
    served: Served,
    request: PlainListRequest | undefined,
    principal: Principal | undefined,
  ): { body: Buffer[]; headers: Record<string, string> } | undefined {
    if (!request) return undefined;
    if (request.sessionId !== undefined && !this.ownSession(request.sessionId, served.live.name, principal)) return undefined;
    const body = served.lists.response(request);
    if (body === undefined) return undefined;
    return {
      body,
      headers: {
        'content-type': 'application/json',
        'content-length': String(body.reduce((sum, part) => sum + part.length, 0)),
        ...(request.sessionId !== undefined ? { 'mcp-session-id': request.sessionId } : {}),
      },
    };
  }

  /**
   * A plain tools/call in the caller's own 2025-11-25 session, handed to the session's server beside the SDK's HTTP
   * transport (session-transport.ts). A session whose caller asked for log messages streams them, so it is not.
   */
  private callDirectly(live: LiveGateway, call: PlainToolCall, principal: Principal | undefined, requestId: string, res: ServerResponse): boolean {
    const session = this.ownSession(call.sessionId, live.name, principal);
    if (!session || session.caller.logLevel !== undefined) return false;
    // The handler reads the request's id (and the caller) from the AuthInfo, as on the SDK's path.
    session.transport.call(call.request, res, handlerAuthInfo({ principal }, requestId));
    return true;
  }

  /** The live 2025-11-25 session `id` of this gateway when `principal` opened it (its idle clock restarts). */
  private ownSession(id: string, gateway: string, principal: Principal | undefined): LegacySession | undefined {
    const session = this.sessions.get(id);
    if (!session || session.gateway !== gateway || session.owner !== ownerOf(principal)) return undefined;
    session.lastSeen = Date.now();
    return session;
  }

  /** 2025-11-25: `initialize` opens a session; later requests must carry its id and come from the same caller. */
  private async serveLegacy(live: LiveGateway, request: Request, body: unknown, authInfo: AuthInfo, requestId: string): Promise<Response> {
    const caller = callerOf(authInfo);
    const refuse = (error: ToolportError): Response => jsonRpcResponse(this.refusal(live.name, error, requestId));
    const sessionId = request.headers.get('mcp-session-id');
    if (sessionId) {
      const session = this.ownSession(sessionId, live.name, caller.principal);
      if (!session) {
        return refuse(
          new ToolportError('session_not_found', `session ${sessionId} does not exist or has ended; send a new initialize request without a session id`),
        );
      }
      return session.transport.http.handleRequest(request, { parsedBody: body, authInfo });
    }
    const initializing = Array.isArray(body) ? body.some((m) => isInitializeRequest(m)) : isInitializeRequest(body);
    if (request.method !== 'POST' || !initializing) {
      return refuse(
        new ToolportError('session_required', 'Bad Request: this request needs the Mcp-Session-Id header from the initialize response; send initialize first'),
      );
    }
    const { maxSessions } = live.row.spec;
    if (this.sessionCount(live.name) + (this.opening.get(live.name) ?? 0) >= maxSessions) {
      return refuse(
        new ToolportError(
          'too_many_sessions',
          `gateway "${live.name}" already has its maximum of ${maxSessions} sessions; retry later or end idle sessions with DELETE`,
          { retryAfterSeconds: SESSIONS_FULL_RETRY_SECONDS },
        ),
      );
    }
    // Counted until the session is registered, so concurrent initialize requests cannot overshoot the bound.
    this.opening.set(live.name, (this.opening.get(live.name) ?? 0) + 1);
    try {
      return await this.openSession(live, request, body, authInfo);
    } finally {
      this.opening.set(live.name, (this.opening.get(live.name) ?? 1) - 1);
    }
  }

  private async openSession(live: LiveGateway, request: Request, body: unknown, authInfo: AuthInfo): Promise<Response> {
    const caller = callerOf(authInfo);
    const session = { ...caller, ...declared(body) };
    const server = createGatewayServer(live, this.calls, () => session, this.log);
    // Resumable streams (transports §resumability): events are kept so a client can reconnect with Last-Event-ID.
    const events = new SessionEventStore();
    const http = new WebStandardStreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      eventStore: events,
      retryInterval: SSE_RETRY_MS,
      onsessioninitialized: (id) => {
        const unsubscribe = live.onChange(() => void server.sendToolListChanged().catch(() => undefined));
        this.sessions.set(id, { gateway: live.name, transport, server, caller: session, owner: ownerOf(caller.principal), lastSeen: Date.now(), unsubscribe });
      },
      onsessionclosed: (id) => {
        const open = this.sessions.get(id);
        if (open) this.endSession(id, open);
      },
    });
    const transport = new SessionTransport(http, events);
    await server.connect(transport);
    return http.handleRequest(request, { parsedBody: body, authInfo });
  }

  /** Maps a refusal of the gateway edge through errorAnswer and logs it with the request id its answer carries. */
  private refusal(gateway: string, error: ToolportError, requestId: string): ErrorAnswer {
    this.log.info('gateway request refused', { gateway, requestId, code: error.code });
    return errorAnswer(error, requestId);
  }

  /** Resolves once every tool call answered so far is in the audit log (read it after this). */
  flushCalls(): Promise<void> {
    return this.calls.flush();
  }

  /** Sessions open on a gateway (tests, status). */
  sessionCount(name: string): number {
    return [...this.sessions.values()].filter((session) => session.gateway === name).length;
  }

  /** Ends every session and closes every target. */
  async close(): Promise<void> {
    clearInterval(this.sweeper);
    await Promise.all([...this.served.keys()].map((name) => this.unload(name)));
    await this.calls.flush();
  }
}

/** A mapped refusal as a fetch Response, for the SDK transports' side of the edge. */
function jsonRpcResponse(answer: ErrorAnswer): Response {
  return new Response(JSON.stringify({ jsonrpc: '2.0', id: null, error: answer.jsonRpc }), {
    status: answer.status,
    headers: { 'content-type': 'application/json', ...answer.headers },
  });
}
