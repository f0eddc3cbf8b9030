import { createHmac, randomUUID } from 'node:crypto';
import type { WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/server';
import type { Principal } from '../identity/index.js';
import type { Logger } from '../log/index.js';
import type { WorkerEra } from './era.js';
import { RuntimeError } from './errors.js';
import type { WarmPools } from './pool.js';
import type { RuntimeTarget } from './records.js';
import { Session, type SessionEnd } from './session.js';

/** A session id a caller may choose (AgentCore's session header): long enough not to be guessed by chance. */
const CALLER_SESSION_ID = /^[A-Za-z0-9_-]{16,128}$/;
const REAP_INTERVAL_MS = 1_000;

/** A live session and what the host remembers about it. */
export interface SessionEntry {
  session: Session;
  spec: RuntimeTarget['spec'];
  /** 2025-11-25 sessions over HTTP: the SDK transport every later request of the session goes through. */
  transport?: WebStandardStreamableHTTPServerTransport;
  /** Closes the caller's side (its HTTP transport, an in-process transport) once the session has ended. */
  closeCaller?: () => void;
  /** Who opened the session (issuer, subject, client); later requests must come from the same principal. */
  owner?: string;
  /** The subject of that principal: the user the session's worker acts for. */
  subject?: string;
  /** For 2026-07-28 traffic: whether the worker speaks it natively or as an initialized 2025-11-25 server. */
  era?: Promise<WorkerEra>;
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

/** The session's owner key: a request from any other principal is refused as if the session did not exist. */
export function ownerOf(principal: Principal | undefined): string | undefined {
  return principal ? JSON.stringify([principal.issuer, principal.subject, principal.clientId ?? null]) : undefined;
}

export function sessionNotFound(id: string | undefined): RuntimeError {
  return new RuntimeError('session_not_found', `session ${id} does not exist or has ended; send a new initialize request without a session id`);
}

/**
 * The live sessions of every runtime: admission (the session-count limit, caller-chosen ids), one warm worker per
 * session, the shared stateless sessions of 2026-07-28 traffic, and reaping of idle and old sessions.
 */
export class SessionTable {
  private readonly entries = new Map<string, SessionEntry>();
  /** Sessions of each runtime whose worker is being taken: they count against the limit already. */
  private readonly opening = new Map<string, number>();
  private readonly sharedOpening = new Map<string, Promise<SessionEntry>>();
  private readonly reaper: NodeJS.Timeout;
  /** Workers handed to sessions since start (each one is used by exactly one session). */
  workersAssigned = 0;

  constructor(
    private readonly pools: WarmPools,
    private readonly log: Logger,
    /** Keys per-caller stateless session ids, so nobody can compute another caller's. */
    private readonly sessionKey: Buffer,
    /** Told which runtime and subject a worker credential serves, and undefined once its session ends. */
    private readonly workerCaller?: (credential: string, serving: { runtime: string; subject: string | undefined } | undefined) => void,
  ) {
    this.reaper = setInterval(() => this.reap(), REAP_INTERVAL_MS);
    this.reaper.unref();
  }

  get(id: string): SessionEntry | undefined {
    return this.entries.get(id);
  }

  /** Reserves a session slot, takes a warm worker and builds the session; 429 when the runtime is full. */
  async open(name: string, target: RuntimeTarget, requestedId: string | undefined, callerChosen = requestedId !== undefined): Promise<Session> {
    const { maxSessions } = target.spec.sessions;
    if (this.count(name) >= maxSessions) {
      throw new RuntimeError(
        'too_many_sessions',
        `runtime "${name}" already has its maximum of ${maxSessions} sessions; retry later or end idle sessions with DELETE`,
        { retryAfterSeconds: 5 },
      );
    }
    if (callerChosen && (!CALLER_SESSION_ID.test(requestedId ?? '') || this.entries.has(requestedId ?? ''))) {
      throw new RuntimeError('bad_request', 'a caller-chosen session id must be 16-128 letters, digits, "-" or "_", and not in use');
    }
    this.opening.set(name, (this.opening.get(name) ?? 0) + 1);
    try {
      const worker = await this.pools.of(name, target.version, target.spec).take();
      this.workersAssigned++;
      const id = requestedId ?? randomUUID();
      return new Session(id, name, target.version, worker, target.spec.limits.requestTimeout, this.log.child({ runtime: name }));
    } finally {
      this.opening.set(name, (this.opening.get(name) ?? 1) - 1);
    }
  }

  /** Opens a 2026-07-28 session once, however many requests for it arrive while its worker is being taken. */
  openShared(id: string, name: string, target: RuntimeTarget, callerChosen: boolean, principal: Principal | undefined): Promise<SessionEntry> {
    let opening = this.sharedOpening.get(id);
    if (!opening) {
      const owner = ownerOf(principal);
      opening = this.open(name, target, id, callerChosen)
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

  /** The id of the stateless session a runtime version shares among one caller's 2026-07-28 requests. */
  statelessId(name: string, version: number, owner: string | undefined): string {
    return `stateless-${name}-v${version}${owner ? `-${createHmac('sha256', this.sessionKey).update(owner).digest('base64url').slice(0, 32)}` : ''}`;
  }

  /** Makes a new session findable by its id until it ends. */
  register(entry: SessionEntry): void {
    const { session } = entry;
    this.entries.set(session.id, entry);
    this.workerCaller?.(session.worker.credential, { runtime: session.runtime, subject: entry.subject });
    session.onend = (reason: SessionEnd) => {
      this.entries.delete(session.id);
      this.workerCaller?.(session.worker.credential, undefined);
      entry.closeCaller?.();
      this.log.info('session ended', { runtime: session.runtime, session: session.id, reason });
    };
  }

  /** Ends every session of a runtime that no longer exists. */
  endRuntime(name: string): void {
    for (const { session } of this.entries.values()) if (session.runtime === name) void session.end('runtime_changed');
  }

  /** Live sessions, optionally of one runtime. */
  list(runtime?: string): SessionInfo[] {
    return [...this.entries.values()]
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

  /** Stops reaping and ends every session. */
  async close(): Promise<void> {
    clearInterval(this.reaper);
    await Promise.all([...this.entries.values()].map(({ session }) => session.end('shutdown')));
  }

  private count(name: string): number {
    let count = this.opening.get(name) ?? 0;
    for (const entry of this.entries.values()) if (entry.session.runtime === name) count++;
    return count;
  }

  /** Ends sessions idle past `sessions.idleTimeout` (never while a request is in flight) or older than `maxLifetime`. */
  private reap(): void {
    const now = Date.now();
    for (const { session, spec } of this.entries.values()) {
      if (now - session.createdAt > spec.sessions.maxLifetime) void session.end('lifetime');
      else if (session.inFlight === 0 && now - session.lastActivity > spec.sessions.idleTimeout) void session.end('idle');
    }
  }
}
