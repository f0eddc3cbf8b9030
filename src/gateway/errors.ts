import { ProtocolError, ProtocolErrorCode } from '@modelcontextprotocol/server';

/** Closed set of gateway failures; each maps to one JSON-RPC error code (and an HTTP status at the edge). */
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

const JSONRPC_CODE: Record<GatewayErrorCode, number> = {
  gateway_not_found: -32001,
  session_not_found: -32001,
  unknown_tool: ProtocolErrorCode.InvalidParams,
  unknown_prompt: ProtocolErrorCode.InvalidParams,
  unknown_resource: ProtocolErrorCode.InvalidParams,
  invalid_arguments: ProtocolErrorCode.InvalidParams,
  invalid_cursor: ProtocolErrorCode.InvalidParams,
  forbidden: ProtocolErrorCode.InvalidParams,
  circuit_open: ProtocolErrorCode.InternalError,
  target_unavailable: ProtocolErrorCode.InternalError,
  target_timeout: ProtocolErrorCode.InternalError,
  target_error: ProtocolErrorCode.InternalError,
};

/** A gateway failure with a stable code and a message safe to show any caller. */
export class GatewayError extends Error {
  constructor(
    readonly code: GatewayErrorCode,
    message: string,
    /** The target's own words; shown only with `exceptionLevel: debug`. */
    readonly detail?: string,
  ) {
    super(message);
  }

  /** The JSON-RPC error a handler throws: code, message, and `data` with the stable code and request id. */
  toProtocolError(requestId: string, debug: boolean): ProtocolError {
    const data = { code: this.code, requestId, ...(debug && this.detail ? { detail: this.detail } : {}) };
    return new ProtocolError(JSONRPC_CODE[this.code], `${this.message} (request id ${requestId})`, data);
  }
}
