// The hot path: one `tools/call` sent straight over the shared session's transport, its answer and progress taken off
// the transport by id (routing.ts), skipping the SDK client's request bookkeeping and result re-validation (the
// transport still frames, signs and resumes the exchange; the result is checked for its shape here and by the
// caller's own client).
import {
  CLIENT_CAPABILITIES_META_KEY,
  CLIENT_INFO_META_KEY,
  LOG_LEVEL_META_KEY,
  PROTOCOL_VERSION_META_KEY,
  isCallToolResult,
  isInputRequiredResult,
  type CallToolResult,
} from '@modelcontextprotocol/client';
import { PER_REQUEST_PROTOCOL_VERSION } from '../../../http/index.js';
import { TargetError, type CallContext } from '../types.js';
import { callStream } from './routing.js';
import type { Upstream } from './upstream.js';

/**
 * Sends `tools/call` with JSON-RPC id `id` (a string, so it never meets the SDK client's numeric ids) and resolves
 * with the upstream's result. Progress goes to the caller; cancelling aborts the request (2026-07-28) or sends
 * `notifications/cancelled` (2025-11-25).
 */
export function forwardCall(upstream: Upstream, id: string, name: string, args: Record<string, unknown>, context: CallContext): Promise<CallToolResult> {
  const version = upstream.client.getNegotiatedProtocolVersion();
  const modern = version !== undefined && version >= PER_REQUEST_PROTOCOL_VERSION;
  const { input, onProgress, log, signal } = context;
  const meta = {
    ...(modern
      ? { [PROTOCOL_VERSION_META_KEY]: version, [CLIENT_INFO_META_KEY]: upstream.clientInfo, [CLIENT_CAPABILITIES_META_KEY]: input?.clientCapabilities ?? {} }
      : {}),
    ...(modern && log ? { [LOG_LEVEL_META_KEY]: log.level } : {}),
    ...(onProgress ? { progressToken: id } : {}),
  };
  const params = {
    name,
    arguments: args,
    ...(Object.keys(meta).length > 0 ? { _meta: meta } : {}),
    ...(modern && input?.inputResponses ? { inputResponses: input.inputResponses } : {}),
    ...(modern && input?.requestState !== undefined ? { requestState: input.requestState } : {}),
  };
  return new Promise<CallToolResult>((resolve, reject) => {
    // An abort that came first would never reach the listener below.
    if (signal.aborted) return reject(signal.reason);
    const onAbort = (): void => {
      if (!upstream.calls.delete(id)) return;
      if (!modern)
        void upstream.transport
          .send({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: id, reason: 'the caller cancelled' } })
          .catch(() => undefined);
      reject(signal.reason);
    };
    upstream.calls.set(id, {
      onProgress,
      log,
      settle: (outcome) => {
        upstream.calls.delete(id);
        signal.removeEventListener('abort', onAbort);
        if ('error' in outcome) return reject(outcome.error);
        const { result } = outcome;
        if (isInputRequiredResult(result)) return resolve(result as unknown as CallToolResult);
        if (!isCallToolResult(result))
          return reject(
            new TargetError(
              'upstream',
              `target "${upstream.target}" answered tools/call with something that is not a tool result`,
              JSON.stringify(result).slice(0, 500),
            ),
          );
        // `resultType: complete` is 2026-07-28 wire framing; the gateway's own server frames the answer for its caller.
        const { resultType: _complete, ...rest } = result as CallToolResult & { resultType?: string };
        resolve(rest);
      },
    });
    signal.addEventListener('abort', onAbort, { once: true });
    const streamEnded = (): void =>
      upstream.calls.get(id)?.settle({ error: new TargetError('unreachable', `target "${upstream.target}" ended its response without answering`) });
    const send = (): Promise<void> =>
      upstream.transport.send({ jsonrpc: '2.0', id, method: 'tools/call', params }, { requestSignal: signal, onRequestStreamEnd: streamEnded });
    (log ? callStream.run(id, send) : send()).catch((error: unknown) => upstream.calls.get(id)?.settle({ error }));
  });
}
