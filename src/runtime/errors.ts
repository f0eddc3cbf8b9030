/** Closed set of runtime failures; the edge maps each code to an HTTP status and a JSON-RPC error. */
export type RuntimeErrorCode =
  | 'runtime_not_found'
  | 'endpoint_not_found'
  | 'session_not_found'
  | 'session_required'
  | 'too_many_sessions'
  | 'worker_unavailable'
  | 'worker_exited'
  | 'request_timeout'
  | 'body_too_large'
  | 'bad_request';

const HTTP_STATUS: Record<RuntimeErrorCode, number> = {
  runtime_not_found: 404,
  endpoint_not_found: 404,
  session_not_found: 404,
  session_required: 400,
  too_many_sessions: 429,
  worker_unavailable: 503,
  worker_exited: 502,
  request_timeout: 504,
  body_too_large: 413,
  bad_request: 400,
};

/** JSON-RPC codes: -32001 is what MCP SDK clients read as "session not found, re-initialize". */
const JSONRPC_CODE: Partial<Record<RuntimeErrorCode, number>> = { session_not_found: -32001, bad_request: -32600, session_required: -32600 };

/** A runtime failure with a stable code and a message that says what happened and what to do. */
export class RuntimeError extends Error {
  constructor(
    readonly code: RuntimeErrorCode,
    message: string,
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
  }
  get httpStatus(): number {
    return HTTP_STATUS[this.code];
  }
  get jsonRpcCode(): number {
    return JSONRPC_CODE[this.code] ?? -32603;
  }
}
