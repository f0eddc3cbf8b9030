import { ToolportError } from '../errors/index.js';

/** Closed set of runtime failures; ERROR_CODES gives each its HTTP status and JSON-RPC error. */
export type RuntimeErrorCode =
  | 'runtime_not_found'
  | 'endpoint_not_found'
  | 'session_not_found'
  | 'session_required'
  | 'too_many_sessions'
  | 'worker_unavailable'
  | 'worker_exited'
  | 'worker_timeout'
  | 'session_ended'
  | 'body_too_large'
  | 'bad_request';

/** A runtime failure with a stable code and a message that says what happened and what to do. */
export class RuntimeError extends ToolportError<RuntimeErrorCode> {}
