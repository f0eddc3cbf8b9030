/**
 * Every failure a caller of Toolport can be told, by its stable code: the HTTP status an edge answers with, and the
 * JSON-RPC error code an MCP answer carries. This table is the closed set; a code not here does not type-check.
 * -32001 is what MCP SDK clients read as "session gone (or not yours): re-initialize or authenticate".
 */
export const ERROR_CODES = {
  // The edge: requests that are malformed, too large, or addressed to nothing.
  bad_request: { http: 400, jsonRpc: -32600 },
  // The body is not JSON at all (JSON-RPC's own parse error).
  parse_error: { http: 400, jsonRpc: -32700 },
  bad_path: { http: 400, jsonRpc: -32600 },
  body_too_large: { http: 413, jsonRpc: -32600 },
  headers_too_large: { http: 431, jsonRpc: -32600 },
  // Node's HTTP parser gave up waiting for the request line or headers.
  request_timeout: { http: 408, jsonRpc: -32600 },
  not_found: { http: 404, jsonRpc: -32602 },
  method_not_allowed: { http: 405, jsonRpc: -32600 },
  forbidden_host: { http: 403, jsonRpc: -32000 },
  unauthorized: { http: 401, jsonRpc: -32001 },
  internal: { http: 500, jsonRpc: -32603 },
  // Configuration and the store behind the control plane.
  invalid_config: { http: 400, jsonRpc: -32602 },
  invalid: { http: 400, jsonRpc: -32602 },
  conflict: { http: 409, jsonRpc: -32602 },
  unavailable: { http: 503, jsonRpc: -32603 },
  // Inbound authentication (RFC 6750 challenges).
  missing_token: { http: 401, jsonRpc: -32001 },
  invalid_token: { http: 401, jsonRpc: -32001 },
  insufficient_scope: { http: 403, jsonRpc: -32001 },
  issuer_unavailable: { http: 503, jsonRpc: -32001 },
  // A resource whose authorizer cannot work is refused like a bad token, so it never runs open.
  misconfigured: { http: 401, jsonRpc: -32001 },
  sign_in_throttled: { http: 429, jsonRpc: -32000 },
  // Runtimes and their sessions' workers.
  runtime_not_found: { http: 404, jsonRpc: -32603 },
  endpoint_not_found: { http: 404, jsonRpc: -32603 },
  session_not_found: { http: 404, jsonRpc: -32001 },
  session_required: { http: 400, jsonRpc: -32600 },
  too_many_sessions: { http: 429, jsonRpc: -32603 },
  worker_unavailable: { http: 503, jsonRpc: -32603 },
  worker_exited: { http: 502, jsonRpc: -32603 },
  // A request outlived the runtime's limits.requestTimeout; -32001 is the SDK's own RequestTimeout code.
  worker_timeout: { http: 504, jsonRpc: -32001 },
  // The session ended (deleted, reaped, a limit, shutdown) while a request of it was in flight.
  session_ended: { http: 404, jsonRpc: -32603 },
  sandbox_unavailable: { http: 503, jsonRpc: -32603 },
  // Gateways, their catalogs and their targets.
  gateway_not_found: { http: 404, jsonRpc: -32001 },
  gateway_loading: { http: 503, jsonRpc: -32000 },
  unknown_tool: { http: 404, jsonRpc: -32602 },
  unknown_prompt: { http: 404, jsonRpc: -32602 },
  unknown_resource: { http: 404, jsonRpc: -32602 },
  invalid_arguments: { http: 400, jsonRpc: -32602 },
  invalid_cursor: { http: 400, jsonRpc: -32602 },
  forbidden: { http: 403, jsonRpc: -32602 },
  circuit_open: { http: 503, jsonRpc: -32603 },
  target_unavailable: { http: 502, jsonRpc: -32603 },
  target_timeout: { http: 504, jsonRpc: -32603 },
  target_error: { http: 502, jsonRpc: -32603 },
  // The vault's credential providers.
  consent_required: { http: 409, jsonRpc: -32603 },
  upstream: { http: 502, jsonRpc: -32603 },
} as const satisfies Record<string, { http: number; jsonRpc: number }>;

/** A stable failure code, one of ERROR_CODES. */
export type ErrorCode = keyof typeof ERROR_CODES;
