import { SUBSCRIPTION_ID_META_KEY, type JSONRPCMessage, type RequestId, type TransportSendOptions } from '@modelcontextprotocol/server';
import { errorAnswer } from '../errors/index.js';
import type { Logger } from '../log/index.js';
import { RuntimeError } from './errors.js';
import type { Worker, WorkerExit } from './worker.js';

/** Where messages for one caller-side request go: an SDK server transport (session-wide or per request). */
export interface MessageSink {
  send(message: JSONRPCMessage, options?: TransportSendOptions): Promise<void>;
}

interface PendingRequest {
  sink: MessageSink;
  callerId: RequestId;
  method: string;
  /** The id of the caller's request at the edge: its error answer and that answer's log line both carry it. */
  requestId: string;
  progressToken?: string | number;
  timer: NodeJS.Timeout;
}

type AnyMessage = JSONRPCMessage & { id?: RequestId; method?: string; params?: Record<string, unknown>; result?: unknown; error?: unknown };

/** How a session ended, so callers of a gone session are told why. */
export type SessionEnd = 'deleted' | 'idle' | 'lifetime' | 'worker_exited' | 'runtime_changed' | 'shutdown' | 'completed' | 'storage_limit';

/** What the callers of a session ended for a limit are told, instead of the reason alone. */
const LIMIT_ENDS: Partial<Record<SessionEnd, string>> = {
  storage_limit:
    "the session's stored HOME grew past the runtime's sessions.storage.maxMb; the session was stopped and its HOME is not kept. Start a new session, and raise maxMb if it needs more",
};

function describeExit(exit: WorkerExit): string {
  if (exit.reason === 'memory_limit') return "the worker exceeded the runtime's memory limit (limits.memoryMb) and was stopped";
  if (exit.reason === 'pids_limit') return "the worker tried to run more processes than the runtime's limit (limits.pids) and was stopped";
  if (exit.reason === 'disk_limit')
    return "the worker filled its HOME and /tmp up to the runtime's disk limit (limits.diskMb) and was stopped; raise limits.diskMb if the server needs more room";
  const how = exit.signal ? `was killed by ${exit.signal}` : `exited with code ${exit.code}`;
  return `the hosted MCP server process ${how}`;
}

/** The worker's exit as its callers are told it; the worker's own output goes to the log only, never to a caller. */
function exitError(exit: WorkerExit): RuntimeError {
  const message = `${describeExit(exit)}. This session has ended; send a new initialize request to start a fresh session (if this keeps happening, the runtime's command is failing: see the Toolport log).`;
  return new RuntimeError('worker_exited', message, exit.stderrSummary ? { detail: exit.stderrSummary } : {});
}

/**
 * One session's link to its own worker process. Caller request ids are rewritten to ids unique within the
 * worker, so many callers' requests (stateless 2026-07-28 traffic) can share one worker without clashes,
 * and every response, progress notification and server request reaches the caller stream it belongs to.
 */
export class Session {
  readonly createdAt = Date.now();
  lastActivity = Date.now();
  private readonly pending = new Map<string, PendingRequest>();
  private nextId = 1;
  /** Messages still being written to caller streams; a session closes its streams only after they land. */
  private readonly deliveries = new Set<Promise<void>>();
  private ended: SessionEnd | undefined;
  /** Receives messages not tied to any request (the caller's GET stream in a 2025-11-25 session). */
  defaultSink?: MessageSink;
  /**
   * The 2026-07-28 per-request envelope to add to every caller request, when a 2025-11-25 caller talks to a server
   * that speaks only 2026-07-28 (set by era.ts once that server answered `server/discover` for it).
   */
  envelope?: Record<string, unknown>;
  onend?: (reason: SessionEnd) => void;

  constructor(
    readonly id: string,
    readonly runtime: string,
    readonly version: number,
    readonly worker: Worker,
    private readonly requestTimeoutMs: number,
    private readonly log: Logger,
  ) {
    worker.session = id;
    worker.onmessage = (message) => this.fromWorker(message as AnyMessage);
    worker.onexit = (exit) => this.workerExited(exit);
  }

  /** Number of requests awaiting a response from the worker. */
  get inFlight(): number {
    return this.pending.size;
  }

  get isEnded(): boolean {
    return this.ended !== undefined;
  }

  /**
   * Forwards one caller message to the worker; responses and related notifications go to `sink`. `requestId` is the
   * id of the caller's request at the edge, which an error answer of this session carries.
   */
  async fromCaller(message: JSONRPCMessage, sink: MessageSink, requestId: string): Promise<void> {
    this.lastActivity = Date.now();
    const msg = message as AnyMessage;
    if (msg.method !== undefined && msg.id !== undefined) {
      const workerId = `tp-${this.nextId++}`;
      const token = (msg.params?._meta as { progressToken?: string | number } | undefined)?.progressToken;
      const timer = setTimeout(() => this.timeOut(workerId), this.requestTimeoutMs);
      timer.unref();
      const entry: PendingRequest = { sink, callerId: msg.id, method: msg.method, requestId, timer };
      if (token !== undefined) entry.progressToken = token;
      this.pending.set(workerId, entry);
      const params = this.envelope ? { ...msg.params, _meta: { ...this.envelope, ...(msg.params?._meta as object | undefined) } } : msg.params;
      try {
        await this.worker.send({ ...msg, id: workerId, ...(params ? { params } : {}) } as JSONRPCMessage);
      } catch (error) {
        // A worker that died before taking it (a server failing at start): its exit, with its output in the log line.
        if (this.worker.exitStatus) {
          this.failPending(exitError(this.worker.exitStatus));
          this.finish('worker_exited');
          throw error;
        }
        // It never reached the worker (gone, or the message cannot be serialised): answer now, not at the request timeout.
        this.settle(workerId);
        const reason = 'the request could not be passed to the hosted MCP server; see the Toolport log for this request id';
        this.fail(entry, new RuntimeError('worker_unavailable', reason, { detail: (error as Error).message }));
        throw error;
      }
      return;
    }
    if (msg.method === 'notifications/cancelled') {
      const workerId = this.workerIdOf(sink, msg.params?.requestId as RequestId);
      if (workerId === undefined) return;
      this.settle(workerId);
      await this.worker.send({ ...msg, params: { ...msg.params, requestId: workerId } } as JSONRPCMessage);
      return;
    }
    // Notifications and responses to the server's own requests carry the worker's ids already.
    await this.worker.send(message);
  }

  /**
   * Sends a request of the runtime's own to the worker, on behalf of the caller's request `requestId`; resolves with
   * the worker's response (result or error).
   */
  request(
    method: string,
    params: Record<string, unknown>,
    requestId: string,
  ): Promise<{ result?: Record<string, unknown>; error?: { code: number; message: string } }> {
    return new Promise((resolve, reject) => {
      const sink: MessageSink = {
        send: async (message) => {
          const response = message as AnyMessage;
          if (response.method === undefined) resolve(response as { result?: Record<string, unknown>; error?: { code: number; message: string } });
        },
      };
      this.fromCaller({ jsonrpc: '2.0', id: `runtime-${method}`, method, params } as JSONRPCMessage, sink, requestId).catch(reject);
    });
  }

  private workerIdOf(sink: MessageSink, callerId: RequestId): string | undefined {
    for (const [workerId, entry] of this.pending) if (entry.sink === sink && entry.callerId === callerId) return workerId;
    return undefined;
  }

  private settle(workerId: string): PendingRequest | undefined {
    const entry = this.pending.get(workerId);
    if (!entry) return undefined;
    clearTimeout(entry.timer);
    this.pending.delete(workerId);
    return entry;
  }

  private deliver(sink: MessageSink, message: JSONRPCMessage, options?: TransportSendOptions): void {
    const delivery = sink
      .send(message, options)
      .catch((error: Error) => this.log.debug('caller stream gone; message dropped', { session: this.id, error: error.message }))
      .finally(() => this.deliveries.delete(delivery));
    this.deliveries.add(delivery);
  }

  private fromWorker(msg: AnyMessage): void {
    this.lastActivity = Date.now();
    const isResponse = msg.method === undefined && msg.id !== undefined;
    if (isResponse) {
      const entry = this.settle(String(msg.id));
      // A response nobody waits for any more (cancelled or timed out) is dropped: its caller already has an answer.
      if (entry) this.deliver(entry.sink, { ...msg, id: entry.callerId } as JSONRPCMessage);
      else this.log.debug('late worker response dropped', { session: this.id, id: msg.id });
      return;
    }
    const subscription = (msg.params?._meta as Record<string, unknown> | undefined)?.[SUBSCRIPTION_ID_META_KEY];
    const listener = typeof subscription === 'string' ? this.pending.get(subscription) : undefined;
    if (listener) {
      // A 2026-07-28 subscription is named by its subscriptions/listen request id: give the caller back its own id.
      const params = { ...msg.params, _meta: { ...(msg.params?._meta as object), [SUBSCRIPTION_ID_META_KEY]: listener.callerId } };
      this.deliver(listener.sink, { ...msg, params } as JSONRPCMessage, { relatedRequestId: listener.callerId });
      return;
    }
    const target = this.relatedRequest(msg);
    if (target) this.deliver(target.sink, msg, { relatedRequestId: target.callerId });
    else if (this.defaultSink) this.deliver(this.defaultSink, msg);
    else this.log.debug('worker message with no caller stream to take it', { session: this.id, method: msg.method });
  }

  /** A progress notification belongs to the request that gave its token; other messages to the newest request. */
  private relatedRequest(msg: AnyMessage): PendingRequest | undefined {
    const token = msg.params?.progressToken;
    let newest: PendingRequest | undefined;
    for (const entry of this.pending.values()) {
      if (token !== undefined && entry.progressToken === token) return entry;
      newest = entry;
    }
    return token === undefined ? newest : undefined;
  }

  /**
   * Answers one caller request with a runtime failure through the one mapper, and logs it under the request id the
   * answer carries, with the detail (the worker's output, the send error) that the caller is never shown.
   */
  private fail(entry: PendingRequest, error: RuntimeError): void {
    const { requestId, method } = entry;
    this.log.warn('request failed', { session: this.id, requestId, method, code: error.code, error: error.message, detail: error.detail });
    this.deliver(entry.sink, { jsonrpc: '2.0', id: entry.callerId, error: errorAnswer(error, requestId).jsonRpc } as JSONRPCMessage);
  }

  private failPending(error: RuntimeError): void {
    for (const workerId of [...this.pending.keys()]) this.fail(this.settle(workerId) as PendingRequest, error);
  }

  private timeOut(workerId: string): void {
    const entry = this.settle(workerId);
    if (!entry) return;
    const limit = this.requestTimeoutMs < 10_000 ? `${this.requestTimeoutMs} ms` : `${Math.round(this.requestTimeoutMs / 1000)} s`;
    const message = `${entry.method} ran longer than the runtime's request timeout (${limit}) and was cancelled; raise limits.requestTimeout if it needs longer`;
    this.fail(entry, new RuntimeError('worker_timeout', message));
    void this.worker
      .send({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: workerId, reason: 'request timeout' } } as JSONRPCMessage)
      .catch(() => undefined);
  }

  private workerExited(exit: WorkerExit): void {
    if (this.ended) return;
    this.log.warn('session worker exited', {
      session: this.id,
      runtime: this.runtime,
      pid: this.worker.pid,
      code: exit.code,
      signal: exit.signal,
      reason: exit.reason,
      stderr: exit.stderrSummary,
    });
    this.failPending(exitError(exit));
    this.finish('worker_exited');
  }

  private finish(reason: SessionEnd): void {
    if (this.ended) return;
    this.ended = reason;
    void Promise.allSettled([...this.deliveries]).then(() => this.onend?.(reason));
  }

  /** Ends the session: fails what is in flight and stops the worker. */
  async end(reason: SessionEnd): Promise<void> {
    if (this.ended) return;
    this.failPending(
      new RuntimeError('session_ended', LIMIT_ENDS[reason] ?? `the session ended (${reason}) before this request completed; initialize a new session`),
    );
    this.finish(reason);
    await this.worker.stop();
  }
}
