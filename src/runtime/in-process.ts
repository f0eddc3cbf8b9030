// The in-process entry: a caller inside this process (a gateway's `runtime:` target) reaches a runtime without a
// loopback HTTP exchange. It passes the same checks as an HTTP request: the runtime's current authorizer sees every
// message with the caller's credentials, the body limit applies, and the session is admitted, owned, reaped and
// ended like any other (one worker of its own, counted against `sessions.maxSessions`).
import { AsyncResource } from 'node:async_hooks';
import type { JSONRPCMessage, RequestId, Transport, TransportSendOptions } from '@modelcontextprotocol/server';
import { DEFAULT_QUALIFIER, afterAnswersLeave, runtimeUrl } from '../http/index.js';
import type { InboundAuth, OutboundCredentials } from '../identity/index.js';
import { newRequestId } from '../errors/index.js';
import { scopedRequestId, type Logger } from '../log/index.js';
import { RuntimeError } from './errors.js';
import type { RuntimeRecords } from './records.js';
import type { MessageSink } from './session.js';
import { ownerOf, sessionNotFound, type SessionEntry, type SessionTable } from './session-table.js';

/** Which runtime an in-process caller reaches, and the credentials it would have sent over HTTP. */
export interface InProcessRequest {
  runtime: string;
  /** `DEFAULT` (the latest version) unless an endpoint is named. */
  qualifier?: string;
  credentials?: OutboundCredentials;
}

/** What the transport shares with the HTTP path of its host. */
export interface InProcessParts {
  records: RuntimeRecords;
  sessions: SessionTable;
  auth: InboundAuth;
  log: Logger;
  /** The platform's own URL: the caller is authenticated as having addressed the runtime's URL there. */
  selfUrl: () => string;
}

/** A request sent and not yet answered: the async context it was sent in, for its answer and its notifications. */
interface Outstanding {
  scope: AsyncResource;
  method: string;
  /** Its id in the runtime's log: its access-log line and any error the session answers it with carry it. */
  requestId: string;
  started: number;
  stopCancel?: () => void;
}

/**
 * An MCP SDK client transport whose messages go straight into a runtime session and whose `onmessage` gets the
 * worker's answers. The session opens with the first message and ends when the transport closes; a session the
 * runtime ends (idle, lifetime, worker exit, runtime deleted) closes the transport.
 */
export class InProcessTransport implements Transport {
  onmessage?: Transport['onmessage'];
  onclose?: () => void;
  onerror?: (error: Error) => void;
  private opening?: Promise<SessionEntry>;
  private closed = false;
  /** Messages reach the session in the order they were sent, however long each one's authentication takes. */
  private queue: Promise<void> = Promise.resolve();
  private readonly outstanding = new Map<RequestId, Outstanding>();
  private readonly sink: MessageSink = { send: async (message, options) => this.toCaller(message, options?.relatedRequestId) };

  constructor(
    private readonly parts: InProcessParts,
    private readonly request: InProcessRequest,
  ) {}

  async start(): Promise<void> {}

  send(message: JSONRPCMessage, options?: TransportSendOptions): Promise<void> {
    const sent = this.queue.then(() => this.toSession(message, options?.requestSignal));
    this.queue = sent.catch(() => undefined);
    return sent;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    const entry = await this.opening?.catch(() => undefined);
    // The session's end closes this transport (closeCaller); without a session there is nothing to end.
    if (entry) await entry.session.end('deleted');
    else this.ended();
  }

  private ended(): void {
    if (this.closed) return;
    this.closed = true;
    this.onclose?.();
  }

  private async toSession(message: JSONRPCMessage, requestSignal: AbortSignal | undefined): Promise<void> {
    const { records, auth } = this.parts;
    const name = this.request.runtime;
    const { spec: current } = await records.get(name);
    const body = Buffer.from(JSON.stringify(message));
    if (body.length > current.limits.maxBodyBytes) {
      throw new RuntimeError('body_too_large', `the message is ${body.length} bytes, over the runtime's limit; send less or raise limits.maxBodyBytes`);
    }
    // An open runtime has no authorizer to show the request to, so it is not built.
    const authorizer = auth.for(current.auth);
    const principal = authorizer ? await authorizer.authenticate(await this.asHttpRequest(body)) : undefined;
    const entry = await (this.opening ??= this.openSession(ownerOf(principal), principal?.subject));
    if (this.closed || entry.session.isEnded || entry.owner !== ownerOf(principal)) throw sessionNotFound(entry.session.id);
    const msg = message as { id?: RequestId; method?: string; params?: { requestId?: RequestId } };
    // A gateway handler names the request it calls for; a caller that names none (a catalog sync) gets a fresh id.
    const requestId = scopedRequestId() ?? newRequestId();
    if (msg.method !== undefined && msg.id !== undefined) this.remember(msg.id, msg.method, requestId, requestSignal);
    // The session drops the answer of a cancelled request, so nothing else would forget it.
    if (msg.method === 'notifications/cancelled' && msg.params?.requestId !== undefined) this.forget(msg.params.requestId);
    await entry.session.fromCaller(message, this.sink, requestId);
  }

  /** The request the authorizer sees: what the caller would have POSTed to the runtime's URL on this platform. */
  private async asHttpRequest(body: Buffer) {
    const { credentials, runtime, qualifier = DEFAULT_QUALIFIER } = this.request;
    const url = new URL(runtimeUrl(this.parts.selfUrl(), runtime, qualifier));
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (credentials) {
      for (const [key, value] of Object.entries(await credentials.query())) url.searchParams.set(key, value);
      for (const [key, value] of Object.entries(await credentials.headers())) headers[key.toLowerCase()] = value;
    }
    return { method: 'POST', url, headers, body: async () => body };
  }

  private async openSession(owner: string | undefined, subject: string | undefined): Promise<SessionEntry> {
    const { records, sessions } = this.parts;
    const target = await records.resolve(this.request.runtime, this.request.qualifier ?? DEFAULT_QUALIFIER);
    const session = await sessions.open(this.request.runtime, target, { storable: false });
    session.defaultSink = this.sink;
    const entry: SessionEntry = { session, spec: target.spec, closeCaller: () => this.ended(), ...(owner ? { owner, subject } : {}) };
    sessions.register(entry);
    return entry;
  }

  /**
   * Keeps the async context a request was sent in: its answer and notifications reach `onmessage` in that context, as
   * they do over HTTP, where each request's response stream is read by a task its send started. Aborting the
   * request's signal cancels it at the worker.
   */
  private remember(id: RequestId, method: string, requestId: string, signal: AbortSignal | undefined): void {
    const outstanding: Outstanding = { scope: new AsyncResource('InProcessRequest'), method, requestId, started: performance.now() };
    if (signal) {
      const cancel = (): void =>
        void this.send({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: id, reason: 'the caller cancelled' } }).catch(() => undefined);
      signal.addEventListener('abort', cancel, { once: true });
      outstanding.stopCancel = () => signal.removeEventListener('abort', cancel);
    }
    this.outstanding.set(id, outstanding);
  }

  private forget(id: RequestId): void {
    this.outstanding.get(id)?.stopCancel?.();
    this.outstanding.delete(id);
  }

  private toCaller(message: JSONRPCMessage, relatedRequestId: RequestId | undefined): void {
    const msg = message as { id?: RequestId; method?: string; error?: unknown };
    const isResponse = msg.method === undefined && msg.id !== undefined;
    const id = isResponse ? msg.id : relatedRequestId;
    const outstanding = id === undefined ? undefined : this.outstanding.get(id);
    const deliver = (): void => this.onmessage?.(message);
    if (outstanding) outstanding.scope.runInAsyncScope(deliver);
    else deliver();
    if (isResponse && outstanding) {
      this.forget(msg.id as RequestId);
      const line = {
        runtime: this.request.runtime,
        via: 'in-process',
        rpc: outstanding.method,
        requestId: outstanding.requestId,
        ...(msg.error ? { error: true } : {}),
        ms: Math.round((performance.now() - outstanding.started) * 100) / 100,
      };
      // Written once the answer has left, as the HTTP path logs when its response closes.
      afterAnswersLeave(() => this.parts.log.info('invocation', line));
    }
  }
}
