import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  PerRequestHTTPServerTransport,
  WebStandardStreamableHTTPServerTransport,
  UnsupportedProtocolVersionError,
  classifyInboundRequest,
  isInitializeRequest,
  type InboundModernRoute,
  type JSONRPCMessage,
} from '@modelcontextprotocol/server';
import type { RuntimeSpec } from '../config/index.js';
import {
  BodyTooLargeError,
  decodePathPart,
  metadataPath,
  parseJsonRpcBody,
  PER_REQUEST_PROTOCOL_VERSIONS,
  readBody,
  requestOrigin,
  runtimeNameOfRef,
  runtimePathOfSegment,
  sendFetchResponse,
  toFetchRequest,
} from '../http/index.js';
import { AuthError, InboundAuth, sendAuthChallenge, type Principal } from '../identity/index.js';
import type { Logger } from '../log/index.js';
import type { RuntimeRecord, Store } from '../store/index.js';
import { newRequestId } from '../errors/index.js';
import { RuntimeError } from './errors.js';
import { answerForLegacy, detectEra, initializeForModernServer, isUnsupportedVersion, legacyResultSink, type InitializeParams, type WorkerEra } from './era.js';
import { SessionEventStore, sendJsonRpcError } from '../mcp/index.js';
import { HEADER_MISMATCH, routingHeaderMismatch } from './headers.js';
import { WarmPool } from './pool.js';
import { header, sendRuntimeError, withLadderStatus } from './replies.js';
import { Session, type MessageSink, type SessionEnd } from './session.js';

/** AgentCore's session header; accepted wherever `Mcp-Session-Id` is. */
export const AGENTCORE_SESSION_HEADER = 'x-amzn-bedrock-agentcore-runtime-session-id';
const CALLER_SESSION_ID = /^[A-Za-z0-9_-]{16,128}$/;
const RECORD_TTL_MS = 2_000;
const REAP_INTERVAL_MS = 1_000;
/** How soon a client whose SSE stream dropped should reconnect (sent as the SSE `retry` field). */
const SSE_RETRY_MS = 1_000;
interface SessionEntry {
  session: Session;
  spec: RuntimeSpec;
  transport?: WebStandardStreamableHTTPServerTransport;
  /** Who opened the session (issuer, subject, client); later requests must come from the same principal. */
  owner?: string;
  /** The subject of that principal: the user the session's worker acts for. */
  subject?: string;
  /** For 2026-07-28 traffic: whether the worker speaks it natively or as an initialized 2025-11-25 server. */
  era?: Promise<WorkerEra>;
}

function sessionNotFound(id: string | undefined): RuntimeError {
  return new RuntimeError('session_not_found', `session ${id} does not exist or has ended; send a new initialize request without a session id`);
}

function ownerOf(principal: Principal | undefined): string | undefined {
  return principal ? JSON.stringify([principal.issuer, principal.subject, principal.clientId ?? null]) : undefined;
}

/** What Identity gives the host: inbound authorizers (SigV4 needs its access keys) and each runtime's workload env. */
export interface RuntimeIdentity {
  auth?: InboundAuth;
  /** Extra environment for every worker of a runtime (the vault's workload endpoint and token). */
  workerEnv?: (runtime: string) => Record<string, string>;
  /**
   * Told which runtime and caller's subject (none for an open runtime) the worker with this credential serves, and
   * undefined once its session ends, so the vault acts only for that caller.
   */
  workerCaller?: (credential: string, serving: { runtime: string; subject: string | undefined } | undefined) => void;
  /** Secret that keys per-caller stateless worker ids (derived from the master key; random per process if absent). */
  sessionKey?: Buffer;
}

/** What the host reports about a live session (control plane, tests). */
export interface SessionInfo {
  id: string;
  runtime: string;
  version: number;
  pid: number;
  createdAt: string;
  lastActivity: string;
  inFlight: number;
}

/** Parses `{name}` or an ARN whose resource is `runtime/{name}`. */
export function runtimeNameOf(ref: string): string {
  const decoded = decodePathPart(ref);
  const name = runtimeNameOfRef(decoded);
  if (name === undefined) throw new RuntimeError('runtime_not_found', `"${decoded}" is not a runtime ARN (expected ...:runtime/NAME)`);
  return name;
}

/**
 * Serves `/runtimes/{ref}/invocations`: gives every 2025-11-25 session its own worker process,
 * serves 2026-07-28 requests per request, and keeps warm pools, limits and reaping per runtime.
 */
export class RuntimeHost {
  private readonly sessions = new Map<string, SessionEntry>();
  private readonly pools = new Map<string, WarmPool>();
  private readonly records = new Map<string, { record: RuntimeRecord; at: number }>();
  private readonly opening = new Map<string, number>();
  private readonly sharedOpening = new Map<string, Promise<SessionEntry>>();
  private readonly auth: InboundAuth;
  private readonly workerEnv: RuntimeIdentity['workerEnv'];
  private readonly workerCaller: RuntimeIdentity['workerCaller'];
  private readonly sessionKey: Buffer;
  private readonly reaper: NodeJS.Timeout;
  /** Workers handed to sessions since start (each one is used by exactly one session). */
  workersAssigned = 0;

  constructor(
    private readonly store: Store,
    private readonly log: Logger,
    identity: RuntimeIdentity = {},
  ) {
    this.auth = identity.auth ?? new InboundAuth();
    this.workerEnv = identity.workerEnv;
    this.workerCaller = identity.workerCaller;
    this.sessionKey = identity.sessionKey ?? randomBytes(32);
    this.reaper = setInterval(() => this.reap(), REAP_INTERVAL_MS);
    this.reaper.unref();
  }

  /** Forgets the cached record of a runtime after the control plane changed it; retires pools and sessions of a deleted one. */
  async refresh(name: string): Promise<void> {
    this.records.delete(name);
    const record = await this.store.getRuntime(name);
    const keep = new Set(record ? Object.values(record.endpoints).map((version) => `${name}@${version}`) : []);
    for (const [key, pool] of this.pools) {
      if (key.startsWith(`${name}@`) && !keep.has(key)) {
        this.pools.delete(key);
        void pool.close();
      }
    }
    if (!record) {
      for (const entry of this.sessions.values()) if (entry.session.runtime === name) void entry.session.end('runtime_changed');
      return;
    }
    this.poolFor(name, record.latestVersion, record.spec).refill();
  }

  private poolFor(name: string, version: number, spec: RuntimeSpec): WarmPool {
    const key = `${name}@${version}`;
    let pool = this.pools.get(key);
    if (!pool) {
      const env = this.workerEnv ? { ...spec.env, ...this.workerEnv(name) } : spec.env;
      pool = new WarmPool({ ...spec, env }, this.log.child({ runtime: name, version }));
      this.pools.set(key, pool);
    }
    return pool;
  }

  private async record(name: string): Promise<RuntimeRecord> {
    const cached = this.records.get(name);
    if (cached && Date.now() - cached.at < RECORD_TTL_MS) return cached.record;
    const record = await this.store.getRuntime(name);
    if (!record) throw new RuntimeError('runtime_not_found', `no runtime named "${name}"; list them with: toolport runtime list`);
    this.records.set(name, { record, at: Date.now() });
    return record;
  }

  private async resolve(name: string, qualifier: string): Promise<{ version: number; spec: RuntimeSpec }> {
    const record = await this.record(name);
    const version = record.endpoints[qualifier];
    if (version === undefined) {
      throw new RuntimeError('endpoint_not_found', `runtime "${name}" has no endpoint "${qualifier}"; it has: ${Object.keys(record.endpoints).join(', ')}`);
    }
    if (version === record.latestVersion) return { version, spec: record.spec };
    const pinned = await this.store.getRuntimeVersion(name, version);
    if (!pinned) throw new RuntimeError('endpoint_not_found', `endpoint "${qualifier}" of "${name}" points at missing version ${version}`);
    return { version, spec: pinned.spec };
  }

  /**
   * RFC 9728 protected-resource metadata of a protected runtime, so a spec-following MCP client finds the
   * authorization server by itself; undefined when the runtime is unknown or open.
   */
  async protectedResourceMetadata(ref: string, baseUrl: string): Promise<Record<string, unknown> | undefined> {
    const name = runtimeNameOf(ref);
    const record = await this.store.getRuntime(name);
    if (!record) return undefined;
    // `ref` is the path segment as the caller sent it (already encoded): RFC 9728 §3.3 wants the very URL it asked for.
    return this.auth.protectedResourceMetadata(record.spec.auth, `${baseUrl}${runtimePathOfSegment(ref)}`, `Toolport runtime ${name}`);
  }

  /** Handles one HTTP request to a runtime's invocations endpoint. */
  async handle(req: IncomingMessage, res: ServerResponse, ref: string, qualifier: string): Promise<void> {
    const started = performance.now();
    const requestId = newRequestId();
    const log: Record<string, unknown> = { runtime: ref, method: req.method, requestId };
    res.on('close', () => {
      this.log.info('invocation', { ...log, status: res.statusCode, ms: Math.round((performance.now() - started) * 100) / 100 });
    });
    let id: unknown = null;
    try {
      const name = runtimeNameOf(ref);
      log.runtime = name;
      const sessionId = this.sessionIdOf(req);
      const existing = sessionId ? this.sessions.get(sessionId) : undefined;
      // Refused before anything else: another runtime's session must never choose how this request is authenticated.
      if (existing && existing.session.runtime !== name) throw sessionNotFound(sessionId);
      // The runtime's current auth settings guard every endpoint and session; endpoints are named only after they pass.
      const { spec: current } = await this.record(name);
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
      const target = existing ? { version: existing.session.version, spec: existing.spec } : await this.resolve(name, qualifier);
      let body: unknown;
      if (req.method === 'POST') {
        const parsed = parseJsonRpcBody((await readRaw()).toString('utf8'));
        if ('error' in parsed) return sendJsonRpcError(res, 400, parsed.error);
        body = parsed.body;
        id = (body as { id?: unknown }).id ?? null;
        log.rpc = Array.isArray(body) ? 'batch' : (body as { method?: unknown }).method;
      }
      const route = classifyInboundRequest({
        httpMethod: req.method ?? 'GET',
        protocolVersionHeader: header(req, 'mcp-protocol-version'),
        mcpMethodHeader: header(req, 'mcp-method'),
        mcpNameHeader: header(req, 'mcp-name'),
        body,
      });
      if (route.kind === 'reject') {
        return sendJsonRpcError(res, route.httpStatus, route, id);
      }
      if (route.kind === 'modern') {
        await this.serveModern(req, res, name, target, route, log, principal);
        return;
      }
      const initializing = Array.isArray(body) ? body.some((m) => isInitializeRequest(m)) : isInitializeRequest(body);
      if (initializing) {
        if (existing)
          throw new RuntimeError('bad_request', `session ${sessionId} is already initialized; send initialize without a session id to start another`);
        await this.openSession(req, res, name, target, body, sessionId, log, principal);
        return;
      }
      if (!sessionId) {
        throw new RuntimeError('session_required', 'this request needs the Mcp-Session-Id header from the initialize response; send initialize first');
      }
      if (!existing || existing.session.isEnded || !existing.transport) throw sessionNotFound(sessionId);
      log.session = sessionId;
      await this.forward(req, res, existing, body);
    } catch (error) {
      if (error instanceof BodyTooLargeError)
        return sendRuntimeError(res, new RuntimeError('body_too_large', `${error.message}; send less or raise limits.maxBodyBytes`), requestId, id);
      if (error instanceof RuntimeError) return sendRuntimeError(res, error, requestId, id);
      this.log.error('invocation failed', { ...log, error: (error as Error).stack });
      const internal = `internal error while invoking the runtime; see the server log for request id ${requestId}`;
      sendRuntimeError(res, new RuntimeError('worker_unavailable', internal, { cause: error }), requestId, id);
    }
  }

  /** The session a request names; both session headers may be sent, but then they must name the same session. */
  private sessionIdOf(req: IncomingMessage): string | undefined {
    const mcp = header(req, 'mcp-session-id');
    const agentcore = header(req, AGENTCORE_SESSION_HEADER);
    if (mcp !== undefined && agentcore !== undefined && mcp !== agentcore) {
      throw new RuntimeError('bad_request', `Mcp-Session-Id and ${AGENTCORE_SESSION_HEADER} name different sessions; send one of them, or the same id in both`);
    }
    return mcp ?? agentcore;
  }

  private sessionCount(name: string): number {
    let count = this.opening.get(name) ?? 0;
    for (const entry of this.sessions.values()) if (entry.session.runtime === name) count++;
    return count;
  }

  /** Reserves a session slot, takes a warm worker and builds the session; 429 when the runtime is full. */
  private async newSession(
    name: string,
    target: { version: number; spec: RuntimeSpec },
    requestedId: string | undefined,
    callerChosen = requestedId !== undefined,
  ): Promise<Session> {
    const { maxSessions } = target.spec.sessions;
    if (this.sessionCount(name) >= maxSessions) {
      throw new RuntimeError(
        'too_many_sessions',
        `runtime "${name}" already has its maximum of ${maxSessions} sessions; retry later or end idle sessions with DELETE`,
        { retryAfterSeconds: 5 },
      );
    }
    if (callerChosen && (!CALLER_SESSION_ID.test(requestedId ?? '') || this.sessions.has(requestedId ?? ''))) {
      throw new RuntimeError('bad_request', 'a caller-chosen session id must be 16-128 letters, digits, "-" or "_", and not in use');
    }
    this.opening.set(name, (this.opening.get(name) ?? 0) + 1);
    try {
      const worker = await this.poolFor(name, target.version, target.spec).take();
      this.workersAssigned++;
      const id = requestedId ?? randomUUID();
      return new Session(id, name, target.version, worker, target.spec.limits.requestTimeout, this.log.child({ runtime: name }));
    } finally {
      this.opening.set(name, (this.opening.get(name) ?? 1) - 1);
    }
  }

  /** Opens a 2026-07-28 session once, however many requests for it arrive while its worker is being taken. */
  private openShared(
    id: string,
    name: string,
    target: { version: number; spec: RuntimeSpec },
    callerChosen: boolean,
    principal: Principal | undefined,
  ): Promise<SessionEntry> {
    let opening = this.sharedOpening.get(id);
    if (!opening) {
      const owner = ownerOf(principal);
      opening = this.newSession(name, target, id, callerChosen)
        .then((session) => {
          const entry: SessionEntry = { session, spec: target.spec, ...(owner ? { owner, subject: principal?.subject } : {}) };
          this.register(entry);
          return entry;
        })
        .finally(() => this.sharedOpening.delete(id));
      this.sharedOpening.set(id, opening);
    }
    return opening;
  }

  private register(entry: SessionEntry): void {
    const { session } = entry;
    this.sessions.set(session.id, entry);
    this.workerCaller?.(session.worker.credential, { runtime: session.runtime, subject: entry.subject });
    session.onend = (reason: SessionEnd) => {
      this.sessions.delete(session.id);
      this.workerCaller?.(session.worker.credential, undefined);
      void entry.transport?.close().catch(() => undefined);
      this.log.info('session ended', { runtime: session.runtime, session: session.id, reason });
    };
  }

  private async openSession(
    req: IncomingMessage,
    res: ServerResponse,
    name: string,
    target: { version: number; spec: RuntimeSpec },
    body: unknown,
    requestedId: string | undefined,
    log: Record<string, unknown>,
    principal: Principal | undefined,
  ): Promise<void> {
    const session = await this.newSession(name, target, requestedId);
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
      session.fromCaller(message, sink).catch((error: Error) => this.log.warn('could not reach worker', { session: session.id, error: error.message }));
    };
    session.defaultSink = transport;
    await transport.start();
    this.register({ session, spec: target.spec, transport, owner: ownerOf(principal), ...(principal ? { subject: principal.subject } : {}) });
    log.session = session.id;
    log.pid = session.worker.pid;
    const response = await transport.handleRequest(toFetchRequest(req, undefined), { parsedBody: body });
    await sendFetchResponse(res, response, { [AGENTCORE_SESSION_HEADER]: session.id });
  }

  private async forward(req: IncomingMessage, res: ServerResponse, entry: SessionEntry, body: unknown): Promise<void> {
    const { session, transport } = entry as Required<SessionEntry>;
    if (!req.headers['mcp-session-id']) req.headers['mcp-session-id'] = session.id;
    session.lastActivity = Date.now();
    const response = await transport.handleRequest(toFetchRequest(req, undefined), { parsedBody: body });
    if (req.method === 'DELETE' && response.ok) await session.end('deleted');
    await sendFetchResponse(res, response, { [AGENTCORE_SESSION_HEADER]: session.id });
  }

  /**
   * 2026-07-28 requests carry everything per request. With the runtime session header they reach that session's
   * own worker (created on first use); without it they share the runtime version's stateless worker, as replicas
   * of a stateless server would.
   */
  private async serveModern(
    req: IncomingMessage,
    res: ServerResponse,
    name: string,
    target: { version: number; spec: RuntimeSpec },
    route: InboundModernRoute,
    log: Record<string, unknown>,
    principal: Principal | undefined,
  ): Promise<void> {
    const id = route.messageKind === 'request' ? route.message.id : null;
    const requested = route.classification.revision;
    if (requested === undefined || !PER_REQUEST_PROTOCOL_VERSIONS.includes(requested)) {
      // Answered here, as the SDK's HTTP entry does: the worker behind stdio cannot set an HTTP status.
      return sendJsonRpcError(
        res,
        400,
        new UnsupportedProtocolVersionError({ supported: [...PER_REQUEST_PROTOCOL_VERSIONS], requested: requested ?? 'unknown' }),
        id,
      );
    }
    const mismatch = routingHeaderMismatch(route.message.method, route.message.params, header(req, 'mcp-method'), header(req, 'mcp-name'));
    if (mismatch) return sendJsonRpcError(res, 400, { code: HEADER_MISMATCH, message: mismatch }, id);
    const callerSession = header(req, AGENTCORE_SESSION_HEADER);
    // Stateless traffic shares a worker per runtime version and caller, never across callers; its id is keyed so
    // nobody can compute another caller's.
    const owner = ownerOf(principal);
    const sharedId = `stateless-${name}-v${target.version}${owner ? `-${createHmac('sha256', this.sessionKey).update(owner).digest('base64url').slice(0, 32)}` : ''}`;
    const sessionId = callerSession ?? sharedId;
    const entry = this.sessions.get(sessionId) ?? (await this.openShared(sessionId, name, target, callerSession !== undefined, principal));
    if (entry.session.runtime !== name || entry.owner !== owner) throw sessionNotFound(sessionId);
    const { session } = entry;
    log.session = session.id;
    log.pid = session.worker.pid;
    const envelope = ((route.message.params as { _meta?: Record<string, unknown> } | undefined)?._meta ?? {}) as Record<string, unknown>;
    const current = entry;
    current.era ??= detectEra(session, envelope).catch((error: unknown) => {
      current.era = undefined; // a failed probe is retried by the next request
      throw error;
    });
    const era = await current.era;
    const direct = answerForLegacy(era, route.message);
    if (direct) {
      res.writeHead(200, { 'content-type': 'application/json', [AGENTCORE_SESSION_HEADER]: session.id }).end(JSON.stringify(direct));
      return;
    }
    const transport = new PerRequestHTTPServerTransport({ classification: route.classification, responseMode: 'auto' });
    const sink = legacyResultSink(era, transport, route.message.method);
    transport.onmessage = (message: JSONRPCMessage) => {
      session.fromCaller(message, sink).catch((error: Error) => this.log.warn('could not reach worker', { session: session.id, error: error.message }));
    };
    await transport.start();
    const response = await withLadderStatus(await transport.handleMessage(route.message, { request: toFetchRequest(req, undefined) }));
    await sendFetchResponse(res, response, { [AGENTCORE_SESSION_HEADER]: session.id });
  }

  private reap(): void {
    const now = Date.now();
    for (const { session, spec } of this.sessions.values()) {
      if (now - session.createdAt > spec.sessions.maxLifetime) void session.end('lifetime');
      else if (session.inFlight === 0 && now - session.lastActivity > spec.sessions.idleTimeout) void session.end('idle');
    }
  }

  /** Process ids of a runtime's pre-started workers that no session has taken yet. */
  warmWorkers(runtime: string): number[] {
    return [...this.pools.entries()].filter(([key]) => key.startsWith(`${runtime}@`)).flatMap(([, pool]) => pool.idlePids);
  }

  /** Live sessions, optionally of one runtime. */
  listSessions(runtime?: string): SessionInfo[] {
    return [...this.sessions.values()]
      .filter(({ session }) => !runtime || session.runtime === runtime)
      .map(({ session }) => ({
        id: session.id,
        runtime: session.runtime,
        version: session.version,
        pid: session.worker.pid,
        createdAt: new Date(session.createdAt).toISOString(),
        lastActivity: new Date(session.lastActivity).toISOString(),
        inFlight: session.inFlight,
      }));
  }

  /** Ends every session and stops every worker. */
  async close(): Promise<void> {
    clearInterval(this.reaper);
    await Promise.all([...this.sessions.values()].map(({ session }) => session.end('shutdown')));
    await Promise.all([...this.pools.values()].map((pool) => pool.close()));
    this.pools.clear();
  }
}
