import { ERROR_CODES, type ErrorCode } from './codes.js';

/** What else a ToolportError may carry; each field is safe to show the caller unless said otherwise. */
export interface ErrorDetails {
  /** The lower error this one explains; never shown, logged at the edge. */
  cause?: unknown;
  /** For throttles and loading: when to try again. */
  retryAfterSeconds?: number;
  /** Upstream words (status line, body excerpt, stderr tail): shown only where debugging is switched on. */
  detail?: string;
}

/**
 * The one base of every failure Toolport reports to a caller, in the style of jose's JOSEError and the MCP SDK's
 * ProtocolError: a stable code from a closed set, and a message that says what happened and what to do.
 * Parts subclass it to narrow the code (`RuntimeError<'session_not_found' | ...>`) and add fields of their own.
 */
export class ToolportError<Code extends ErrorCode = ErrorCode> extends Error {
  readonly retryAfterSeconds?: number;
  readonly detail?: string;

  constructor(
    readonly code: Code,
    message: string,
    details: ErrorDetails = {},
  ) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    if (details.retryAfterSeconds !== undefined) this.retryAfterSeconds = details.retryAfterSeconds;
    if (details.detail !== undefined) this.detail = details.detail;
  }

  get httpStatus(): number {
    return ERROR_CODES[this.code].http;
  }

  get jsonRpcCode(): number {
    return ERROR_CODES[this.code].jsonRpc;
  }
}
