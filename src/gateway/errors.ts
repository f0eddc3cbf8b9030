import { ProtocolError } from '@modelcontextprotocol/server';
import { errorAnswer, ToolportError } from '../errors/index.js';

/** Closed set of gateway failures; ERROR_CODES gives each its JSON-RPC error code (and an HTTP status at the edge). */
export type GatewayErrorCode =
  | 'gateway_not_found'
  | 'session_not_found'
  | 'unknown_tool'
  | 'unknown_prompt'
  | 'unknown_resource'
  | 'invalid_arguments'
  | 'invalid_cursor'
  | 'forbidden'
  | 'circuit_open'
  | 'target_unavailable'
  | 'target_timeout'
  | 'target_error';

/** A gateway failure with a stable code and a message safe to show any caller. */
export class GatewayError extends ToolportError<GatewayErrorCode> {
  constructor(
    code: GatewayErrorCode,
    message: string,
    /** The target's own words; shown only with `exceptionLevel: debug`. */
    detail?: string,
  ) {
    super(code, message, detail === undefined ? {} : { detail });
  }
}

/**
 * The JSON-RPC error a gateway handler throws for a failure of its own, through the one mapper (anything that is not a
 * ToolportError is `internal`): the table's code, the message with the request id, and `data` with the stable code and
 * request id (plus `extra`, such as the resource's uri).
 */
export function handlerError(error: unknown, requestId: string, debug: boolean, extra: Record<string, unknown> = {}): ProtocolError {
  const { jsonRpc } = errorAnswer(error, requestId, debug);
  // An internal error's message already names the id and nothing else.
  const message = jsonRpc.message.includes(requestId) ? jsonRpc.message : `${jsonRpc.message} (request id ${requestId})`;
  return new ProtocolError(jsonRpc.code, message, { ...jsonRpc.data, ...extra });
}
