// A 2025-11-25 session's transport as its SDK server sees it. HTTP requests go through the SDK's own Streamable HTTP
// transport; a plain `tools/call` (plain-call.ts) is handed straight to the session's server instead, skipping the
// fetch Request, the transport's per-POST SSE stream and the node↔fetch bridge. The server still validates the
// request and the result, runs the handler (caller, policy, guard, audit), frames the answer and maps errors; a
// `notifications/cancelled` the caller posts reaches it through the SDK transport as before. Only the answer's
// framing on the wire differs: one `application/json` body, which the transport spec allows for any request.
import type { ServerResponse } from 'node:http';
import {
  isJSONRPCErrorResponse,
  type AuthInfo,
  isJSONRPCNotification,
  isJSONRPCResultResponse,
  type EventStore,
  type JSONRPCMessage,
  type JSONRPCRequest,
  type RequestId,
  type Transport,
  type TransportSendOptions,
  type WebStandardStreamableHTTPServerTransport,
} from '@modelcontextprotocol/server';

/** Where the answer of a call handed over directly goes. */
interface DirectReply {
  res: ServerResponse;
  /** The event stream's id once a message other than the answer came for the call (then the reply is SSE). */
  streamId?: string;
}

const SSE_HEADERS = { 'content-type': 'text/event-stream', 'cache-control': 'no-cache, no-transform', connection: 'keep-alive' };

/** The id of the caller request a message answers or belongs to, if any. */
function relatedId(message: JSONRPCMessage, options: TransportSendOptions | undefined): RequestId | undefined {
  return isJSONRPCResultResponse(message) || isJSONRPCErrorResponse(message) ? message.id : options?.relatedRequestId;
}

/** The SDK transport of one session, plus a direct entry for plain tool calls (see the top of this file). */
export class SessionTransport implements Transport {
  private readonly direct = new Map<RequestId, DirectReply>();
  private receive?: Transport['onmessage'];

  constructor(
    /** The SDK transport that serves the session's HTTP requests. */
    readonly http: WebStandardStreamableHTTPServerTransport,
    /** The session's event store: a reply that turns into an SSE stream keeps its events there, as the SDK's do. */
    private readonly events: EventStore,
  ) {}

  get sessionId(): string | undefined {
    return this.http.sessionId;
  }

  get onmessage(): Transport['onmessage'] {
    return this.receive;
  }

  set onmessage(receive: Transport['onmessage']) {
    this.receive = receive;
    this.http.onmessage = (message, extra) => {
      this.noteCancellation(message);
      receive?.(message, extra);
    };
  }

  get onclose(): Transport['onclose'] {
    return this.http.onclose;
  }

  set onclose(onclose: Transport['onclose']) {
    this.http.onclose = onclose;
  }

  get onerror(): Transport['onerror'] {
    return this.http.onerror;
  }

  set onerror(onerror: Transport['onerror']) {
    this.http.onerror = onerror;
  }

  setSupportedProtocolVersions(versions: string[]): void {
    this.http.setSupportedProtocolVersions(versions);
  }

  start(): Promise<void> {
    return this.http.start();
  }

  close(): Promise<void> {
    for (const reply of this.direct.values()) this.endUnanswered(reply);
    this.direct.clear();
    return this.http.close();
  }

  /** Hands `request` (a plain tools/call of this session) to the server; its answer is written to `res`. */
  call(request: JSONRPCRequest, res: ServerResponse, authInfo: AuthInfo): void {
    this.direct.set(request.id, { res });
    // A caller that left gets no answer (nor does it over the SDK's transport unless it resumes); the call runs on, as there.
    res.on('close', () => {
      if (this.direct.get(request.id)?.res === res) this.direct.delete(request.id);
    });
    this.receive?.(request, { authInfo });
  }

  async send(message: JSONRPCMessage, options?: TransportSendOptions): Promise<void> {
    const id = relatedId(message, options);
    const reply = id === undefined ? undefined : this.direct.get(id);
    if (!reply || id === undefined) return this.http.send(message, options);
    const answer = isJSONRPCResultResponse(message) || isJSONRPCErrorResponse(message);
    if (answer) this.direct.delete(id);
    const session = this.sessionId === undefined ? {} : { 'mcp-session-id': this.sessionId };
    if (answer && reply.streamId === undefined) {
      const body = JSON.stringify(message);
      reply.res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)), ...session });
      reply.res.end(body);
      return;
    }
    // A request or notification of the server's for this call (the SDK's legacy input-required shim asking the caller
    // for input): the reply becomes an event stream whose events, kept in the session's store, a caller can resume.
    if (reply.streamId === undefined) {
      reply.streamId = `direct-${String(id)}-${Date.now().toString(36)}`;
      reply.res.writeHead(200, { ...SSE_HEADERS, ...session });
    }
    const eventId = await this.events.storeEvent(reply.streamId, message);
    reply.res.write(`event: message\nid: ${eventId}\ndata: ${JSON.stringify(message)}\n\n`);
    if (answer) reply.res.end();
  }

  /** A cancelled call gets no answer (the server drops it); its reply ends instead of staying open. */
  private noteCancellation(message: JSONRPCMessage): void {
    if (!isJSONRPCNotification(message) || message.method !== 'notifications/cancelled') return;
    const id = (message.params as { requestId?: RequestId } | undefined)?.requestId;
    const reply = id === undefined ? undefined : this.direct.get(id);
    if (!reply || id === undefined) return;
    this.direct.delete(id);
    this.endUnanswered(reply);
  }

  /** Ends a reply that will get no answer as the SDK ends such a stream: an event stream with nothing (more) in it. */
  private endUnanswered(reply: DirectReply): void {
    if (!reply.res.headersSent) reply.res.writeHead(200, { ...SSE_HEADERS, ...(this.sessionId ? { 'mcp-session-id': this.sessionId } : {}) });
    reply.res.end();
  }
}
