import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { runtimePathOfSegment } from '../http/index.js';
import { InboundAuth } from '../identity/index.js';
import type { Logger } from '../log/index.js';
import type { Store } from '../store/index.js';
import { InProcessTransport, type InProcessParts, type InProcessRequest } from './in-process.js';
import { HttpInvocations } from './invocation.js';
import { WarmPools } from './pool.js';
import { RuntimeRecords, runtimeNameOf } from './records.js';
import { SessionTable, type SessionInfo } from './session-table.js';
import type { StoredSessionInfo } from './session-storage.js';

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
  /** The platform's own URL, once it listens: in-process callers are authenticated as having addressed it. */
  selfUrl?: () => string;
}

/**
 * Serves `/runtimes/{ref}/invocations`: gives every 2025-11-25 session its own worker process,
 * serves 2026-07-28 requests per request, and keeps warm pools, limits and reaping per runtime.
 */
export class RuntimeHost {
  private readonly records: RuntimeRecords;
  private readonly pools: WarmPools;
  private readonly sessions: SessionTable;
  private readonly auth: InboundAuth;
  private readonly invocations: HttpInvocations;
  private readonly inProcess: InProcessParts;

  constructor(
    private readonly store: Store,
    log: Logger,
    /** Where stored session HOMEs live: DATA_DIR/sessions, hidden from every sandbox with the data directory. */
    storageDir: string,
    identity: RuntimeIdentity = {},
  ) {
    this.auth = identity.auth ?? new InboundAuth();
    this.records = new RuntimeRecords(store);
    this.pools = new WarmPools(log, identity.workerEnv);
    this.sessions = new SessionTable(this.pools, log, identity.sessionKey ?? randomBytes(32), storageDir, identity.workerCaller);
    this.invocations = new HttpInvocations(this.records, this.sessions, this.auth, log);
    // Only tests start a host that does not know the platform's URL.
    const selfUrl = identity.selfUrl ?? (() => 'http://127.0.0.1');
    this.inProcess = { records: this.records, sessions: this.sessions, auth: this.auth, log, selfUrl };
  }

  /** Workers handed to sessions since start (each one is used by exactly one session). */
  get workersAssigned(): number {
    return this.sessions.workersAssigned;
  }

  /** Forgets the cached record of a runtime after the control plane changed it; retires pools and sessions of a deleted one. */
  async refresh(name: string): Promise<void> {
    this.records.forget(name);
    const record = await this.store.getRuntime(name);
    this.pools.retire(name, record ? Object.values(record.endpoints) : []);
    if (!record) return this.sessions.endRuntime(name);
    this.pools.of(name, record.latestVersion, record.spec).refill();
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

  /** Handles one HTTP request to a runtime's invocations endpoint; `requestId` is the edge's id of it. */
  handle(req: IncomingMessage, res: ServerResponse, ref: string, qualifier: string, requestId: string): Promise<void> {
    return this.invocations.handle(req, res, ref, qualifier, requestId);
  }

  /**
   * An MCP client transport to a runtime inside this process (a gateway's runtime target): the same authorization,
   * admission, session and worker as over HTTP, without the loopback exchange. Closing it ends its session.
   */
  inProcessTransport(request: InProcessRequest): InProcessTransport {
    return new InProcessTransport(this.inProcess, request);
  }

  /** Process ids of a runtime's pre-started workers that no session has taken yet. */
  warmWorkers(runtime: string): number[] {
    return this.pools.idlePids(runtime);
  }

  /** Live sessions, optionally of one runtime. */
  listSessions(runtime?: string): SessionInfo[] {
    return this.sessions.list(runtime);
  }

  /** A runtime's stored session HOMEs that no live session holds (`sessions.storage.persist`). */
  listStoredSessions(runtime: string): Promise<StoredSessionInfo[]> {
    return this.sessions.listStored(runtime);
  }

  /** Ends a runtime's session (if live) and deletes its stored HOME (if any); false when neither exists. */
  stopSession(runtime: string, id: string): Promise<boolean> {
    return this.sessions.stop(runtime, id);
  }

  /** Ends every session and stops every worker. */
  async close(): Promise<void> {
    await this.sessions.close();
    await this.pools.close();
  }
}
