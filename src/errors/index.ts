/**
 * The one error model: every failure a caller sees is a ToolportError with a code from ERROR_CODES, and every edge
 * turns it into HTTP and JSON-RPC through errorAnswer, with a request id that is also in the log line.
 */
export { ERROR_CODES } from './codes.js';
export type { ErrorCode } from './codes.js';
export { ToolportError } from './error.js';
export type { ErrorDetails } from './error.js';
export { errorAnswer, newRequestId } from './answer.js';
export type { ErrorAnswer, JsonRpcErrorObject } from './answer.js';
