// What the upstream sends back for forwarded calls: answers, progress and log messages, taken off the shared session's
// transport by the call's id before the SDK client sees them.
import { AsyncLocalStorage } from 'node:async_hooks';
import { ProtocolError, type JSONRPCMessage, type LoggingMessageNotificationParams } from '@modelcontextprotocol/client';
import type { CallContext } from '../types.js';

/** A forwarded `tools/call` waiting for its answer on the shared upstream session. */
export interface PendingCall {
  settle(outcome: { result: Record<string, unknown> } | { error: unknown }): void;
  onProgress: CallContext['onProgress'];
  log: CallContext['log'];
}

/**
 * The forwarded call whose response stream a message arrived on. Over Streamable HTTP an upstream sends the
 * notifications of a request on that request's own response stream (transports §sending-messages), and the SDK
 * transport reads each stream in a task started by `send`, so a call sent inside `run(id)` sees its stream's
 * messages with `id` here. Only calls whose caller asked for logs are sent that way.
 */
export const callStream = new AsyncLocalStorage<string>();

/** Hands a message to the forwarded call it answers or reports progress for; false when it is not one of theirs. */
export function routeToCall(calls: Map<string, PendingCall>, message: JSONRPCMessage): boolean {
  if ('method' in message) {
    if (message.method === 'notifications/message') {
      // A log message goes only to the caller whose call's stream carried it. One that cannot be tied to a call (the
      // session's standalone stream, a stdio upstream, a call whose caller set no level) goes to nobody: the upstream
      // session is shared by every caller.
      const id = callStream.getStore();
      const call = id === undefined ? undefined : calls.get(id);
      if (call?.log && message.params) call.log.forward(message.params as LoggingMessageNotificationParams);
      return true;
    }
    const params = message.params as { progressToken?: unknown; progress?: number; total?: number; message?: string } | undefined;
    const call = message.method === 'notifications/progress' && typeof params?.progressToken === 'string' ? calls.get(params.progressToken) : undefined;
    if (!call || typeof params?.progress !== 'number') return false;
    call.onProgress?.({
      progress: params.progress,
      ...(params.total === undefined ? {} : { total: params.total }),
      ...(params.message ? { message: params.message } : {}),
    });
    return true;
  }
  const call = typeof message.id === 'string' ? calls.get(message.id) : undefined;
  if (!call) return false;
  if ('error' in message) call.settle({ error: new ProtocolError(message.error.code, message.error.message, message.error.data) });
  else call.settle({ result: message.result });
  return true;
}
