import { createHmac, randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/server';
import type { Principal } from '../identity/index.js';
import type { Logger } from '../log/index.js';
import type { WorkerEra } from './era.js';
import { RuntimeError } from './errors.js';
import type { WarmPools } from './pool.js';
import type { Worker } from './worker.js';
import type { RuntimeTarget } from './records.js';
import { Session, type SessionEnd } from './session.js';
import { SessionStorage, type StoredSessionInfo } from './session-storage.js';

/** One HTTP request to a runtime once it is authenticated and its version resolved: what either revision's handler needs. */
export interface HttpInvocation {
  sessions: SessionTable;
  log: Logger;
  req: IncomingMessage;
  res: ServerResponse;
  name: string;
  target: RuntimeTarget;
  /** The request's access-log fields; handlers add the session and worker. */
  logLine: Record<string, unknown>;
  /** The request's id at the edge: in its access-log line and in any error answered to it. */
  requestId: string;
  principal: Principal | undefined;
}

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
  state: 'live';
  version: number;
  pid: number;
  createdAt: string;
  lastActivity: string;
  inFlight: number;
  /** With `sessions.storage.persist`: its HOME's size when last measured (every reaper tick). */
  storageBytes?: number;
}

/** How a session is asked for: its id (chosen by the caller or not), its owner, whether its HOME may be stored. */
export interface OpenRequest {
  id?: string;
  /** The caller named the id (AgentCore's session header): it must be well-formed and not in use. */
  callerChosen?: boolean;
  owner?: string;
  /** A session a caller can name again (not a shared stateless one, not in process): `sessions.storage` applies. */
  storable: boolean;
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
  private readonly storage: SessionStorage;
  /** Stored HOMEs being measured, so a slow walk is not started twice. */
  private readonly measuring = new Set<string>();
  /** Workers handed to sessions since start (each one is used by exactly one session). */
  workersAssigned = 0;

  constructor(
    private readonly pools: WarmPools,
    private readonly log: Logger,
    /** Keys per-caller stateless session ids, so nobody can compute another caller's. */
    private readonly sessionKey: Buffer,
    /** Where stored HOMEs live (DATA_DIR/sessions). */
    storageDir: string,
    /** Told which runtime and subject a worker credential serves, and undefined once its session ends. */
    private readonly workerCaller?: (credential: string, serving: { runtime: string; subject: string | undefined } | undefined) => void,
  ) {
    this.storage = new SessionStorage(storageDir, sessionKey, log);
    this.reaper = setInterval(() => this.reap(), REAP_INTERVAL_MS);
    this.reaper.unref();
  }

  get(id: string): SessionEntry | undefined {
    return this.entries.get(id);
  }

  /**
   * Reserves a session slot, takes a warm worker (or, with `sessions.storage.persist`, starts one on the session's
   * stored HOME, refused to any other owner) and builds the session; 429 when the runtime is full.
   */
  async open(name: string, target: RuntimeTarget, request: OpenRequest): Promise<Session> {
    const { id: requestedId, callerChosen = requestedId !== undefined } = request;
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
      const id = requestedId ?? randomUUID();
      const storage = request.storable && target.spec.sessions.storage?.persist ? target.spec.sessions.storage : undefined;
      const pool = this.pools.of(name, target.version, target.spec);
      let worker: Worker;
      if (storage) {
        // A stored HOME is known only now: its worker starts for it, where a warm worker's HOME is a fresh one.
        const home = await this.storage.attach(name, id, request.owner, storage);
        worker = await pool.startWithHome(home).catch(async (error: unknown) => {
          await this.storage.detach(name, id, storage, Promise.resolve());
          throw error;
        });
      } else {
        worker = await pool.take();
      }
      this.workersAssigned++;
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
      opening = this.open(name, target, { id, callerChosen, ...(owner ? { owner } : {}), storable: callerChosen })
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
      const storage = entry.spec.sessions.storage;
      if (session.worker.storedHome && storage) void this.storage.detach(session.runtime, session.id, storage, session.worker.stop());
      this.workerCaller?.(session.worker.credential, undefined);
      entry.closeCaller?.();
      this.log.info('session ended', { runtime: session.runtime, session: session.id, reason });
    };
  }

  /** Ends every session of a runtime that no longer exists, and deletes its stored HOMEs. */
  async endRuntime(name: string): Promise<void> {
    await Promise.all([...this.entries.values()].filter(({ session }) => session.runtime === name).map(({ session }) => session.end('runtime_changed')));
    await this.storage.removeRuntime(name);
  }

  /** Ends a runtime's session (if live) and deletes its stored HOME (if any); false when neither exists. */
  async stop(runtime: string, id: string): Promise<boolean> {
    const entry = this.entries.get(id);
    const live = entry?.session.runtime === runtime ? entry : undefined;
    await live?.session.end('deleted');
    const stored = await this.storage.remove(runtime, id);
    return live !== undefined || stored;
  }

  /** A runtime's stored HOMEs that no live session holds. */
  listStored(runtime: string): Promise<StoredSessionInfo[]> {
    return this.storage.list(runtime);
  }

  /** Live sessions, optionally of one runtime. */
  list(runtime?: string): SessionInfo[] {
    return [...this.entries.values()]
      .filter(({ session }) => !runtime || session.runtime === runtime)
      .map(({ session }) => {
        const storageBytes = session.worker.storedHome ? this.storage.heldBytes(session.runtime, session.id) : undefined;
        return {
          id: session.id,
          runtime: session.runtime,
          state: 'live' as const,
          version: session.version,
          pid: session.worker.pid,
          createdAt: new Date(session.createdAt).toISOString(),
          lastActivity: new Date(session.lastActivity).toISOString(),
          inFlight: session.inFlight,
          ...(storageBytes === undefined ? {} : { storageBytes }),
        };
      });
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

  /**
   * Ends sessions idle past `sessions.idleTimeout` (never while a request is in flight), older than `maxLifetime`, or
   * whose stored HOME grew past `sessions.storage.maxMb`; deletes stored HOMEs past `expireAfter`.
   */
  private reap(): void {
    const now = Date.now();
    for (const { session, spec } of this.entries.values()) {
      if (now - session.createdAt > spec.sessions.maxLifetime) void session.end('lifetime');
      else if (session.inFlight === 0 && now - session.lastActivity > spec.sessions.idleTimeout) void session.end('idle');
      else if (session.worker.storedHome && spec.sessions.storage) this.checkStorage(session, spec.sessions.storage.maxMb);
    }
    this.storage.expire(now).catch((error: Error) => this.log.error('cannot expire stored sessions', { error: error.message }));
  }

  /** Measures a session's stored HOME and ends the session once it is past `maxMb`. */
  private checkStorage(session: Session, maxMb: number): void {
    if (this.measuring.has(session.id)) return;
    this.measuring.add(session.id);
    void this.storage
      .measure(session.runtime, session.id)
      .then((bytes) => {
        if (bytes <= maxMb * 1024 * 1024) return;
        this.log.warn('session storage past sessions.storage.maxMb; ending the session', { runtime: session.runtime, session: session.id, bytes, maxMb });
        return session.end('storage_limit');
      })
      .finally(() => this.measuring.delete(session.id));
  }
}
