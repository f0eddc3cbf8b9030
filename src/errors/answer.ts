import { randomUUID } from 'node:crypto';
import { ToolportError } from './error.js';

/** The JSON-RPC error object of an answer, as it goes on the wire. */
export interface JsonRpcErrorObject {
  code: number;
  message: string;
  data: { code: string; requestId: string; detail?: string };
}

/** How an edge answers one failure: HTTP status, headers, the JSON-RPC error, and the error as a caller sees it. */
export interface ErrorAnswer {
  status: number;
  headers: Record<string, string>;
  error: ToolportError;
  jsonRpc: JsonRpcErrorObject;
  /** The `/api` body shape: `{error: {code, message, requestId}}`. */
  body: { error: { code: string; message: string; requestId: string } };
}

/** A fresh id for a request that failed before it had one; it goes in the answer and in the log line. */
export function newRequestId(): string {
  return randomUUID();
}

/**
 * The one mapping from a failure to what a caller is told. A ToolportError keeps its code and message; anything
 * else is an `internal` error whose message reveals nothing but the request id to look up in the log.
 * `debug` adds the upstream detail (gateways with `exceptionLevel: debug`).
 */
export function errorAnswer(thrown: unknown, requestId: string, debug = false): ErrorAnswer {
  const error =
    thrown instanceof ToolportError
      ? thrown
      : new ToolportError('internal', `internal error; see the Toolport log for request id ${requestId}`, { cause: thrown });
  const headers: Record<string, string> = {};
  if (error.retryAfterSeconds !== undefined) headers['retry-after'] = String(error.retryAfterSeconds);
  const data = { code: error.code, requestId, ...(debug && error.detail ? { detail: error.detail } : {}) };
  return {
    status: error.httpStatus,
    headers,
    error,
    jsonRpc: { code: error.jsonRpcCode, message: error.message, data },
    body: { error: { code: error.code, message: error.message, requestId } },
  };
}
