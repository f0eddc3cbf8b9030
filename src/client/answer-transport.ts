import {
  INTERNAL_ERROR,
  isJSONRPCErrorResponse,
  isJSONRPCRequest,
  isJSONRPCResultResponse,
  StreamableHTTPClientTransport,
  type JSONRPCMessage,
  type MessageExtraInfo,
  type RequestId,
  type TransportSendOptions,
} from '@modelcontextprotocol/client';

/** What a caller is told when a request's response stream ended without its answer. */
export const CLOSED_BEFORE_ANSWER = 'the server closed the connection before answering (the call may or may not have run)';

type MessageHandler = (message: JSONRPCMessage, extra?: MessageExtraInfo) => void;

/**
 * Streamable HTTP whose requests end when their response stream does. The SDK tells only `subscriptions/listen` when
 * a POST's SSE stream ends (cleanly, or with the socket torn down or the server killed) without the answer and
 * without a resumable event id; any other request would wait forever (Toolport sets no request timeout). Here the
 * request gets an error response with CLOSED_BEFORE_ANSWER instead, in both protocol revisions. A stream the server
 * made resumable is still resumed by the SDK first.
 */
export class AnswerAwareTransport extends StreamableHTTPClientTransport {
  /** Ids of requests sent and not yet answered. */
  readonly #waiting = new Set<RequestId>();

  constructor(...args: ConstructorParameters<typeof StreamableHTTPClientTransport>) {
    super(...args);
    // The SDK (and its version probe) assigns `onmessage` more than once; an accessor sees every answer whichever
    // handler is installed. (A prototype accessor would be shadowed by the base class's own `onmessage` field.)
    let deliver: MessageHandler | undefined;
    Object.defineProperty(this, 'onmessage', {
      configurable: true,
      get: (): MessageHandler | undefined =>
        deliver &&
        ((message, extra) => {
          if (isJSONRPCResultResponse(message) || isJSONRPCErrorResponse(message)) this.#waiting.delete(message.id as RequestId);
          deliver?.(message, extra);
        }),
      set: (handler: MessageHandler | undefined) => {
        deliver = handler;
      },
    });
  }

  override async send(message: JSONRPCMessage | JSONRPCMessage[], options?: TransportSendOptions): Promise<void> {
    const ids = (Array.isArray(message) ? message : [message]).filter(isJSONRPCRequest).map((request) => request.id);
    if (ids.length === 0 || options?.onRequestStreamEnd) return super.send(message, options);
    for (const id of ids) this.#waiting.add(id);
    // A request the caller cancelled (2026-07-28 aborts its stream) is answered by no one: stop waiting for it.
    options?.requestSignal?.addEventListener('abort', () => ids.forEach((id) => this.#waiting.delete(id)), { once: true });
    const onRequestStreamEnd = (): void => {
      for (const id of ids) {
        if (!this.#waiting.delete(id)) continue;
        this.onmessage?.({ jsonrpc: '2.0', id, error: { code: INTERNAL_ERROR, message: CLOSED_BEFORE_ANSWER } });
      }
    };
    try {
      await super.send(message, { ...options, onRequestStreamEnd });
    } catch (error) {
      for (const id of ids) this.#waiting.delete(id); // the caller gets this error from send itself
      throw error;
    }
  }
}
