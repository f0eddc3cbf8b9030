import type { ServerResponse } from 'node:http';
import type { ErrorAnswer } from '../errors/index.js';

/** A JSON-RPC error object as it goes on the wire. */
export interface WireError {
  code: number;
  message: string;
  data?: unknown;
}

function writeJsonRpcError(res: ServerResponse, status: number, error: WireError, id: unknown, headers: Record<string, string>): void {
  if (res.headersSent) return void res.end();
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify({ jsonrpc: '2.0', id, error: { code: error.code, message: error.message, data: error.data } }));
}

/**
 * Answers with a JSON-RPC error the SDK's protocol layer defined (a body that is no JSON-RPC message, unsupported
 * version, routing-header mismatch): those speak the protocol's own codes, not Toolport's, and keep their own data, to
 * which the request id of the log line is added. Toolport's own failures go through sendErrorAnswer.
 */
export function sendJsonRpcError(res: ServerResponse, status: number, error: WireError, requestId: string, id: unknown = null): void {
  const data = typeof error.data === 'object' && error.data !== null ? error.data : {};
  writeJsonRpcError(res, status, { code: error.code, message: error.message, data: { ...data, requestId } }, id, {});
}

/** Answers a failure the one mapper (errorAnswer) has turned into a status, headers and JSON-RPC error. */
export function sendErrorAnswer(res: ServerResponse, answer: ErrorAnswer, id: unknown = null, headers: Record<string, string> = {}): void {
  writeJsonRpcError(res, answer.status, answer.jsonRpc, id, { ...answer.headers, ...headers });
}
