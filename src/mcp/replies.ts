import type { ServerResponse } from 'node:http';
import type { ErrorAnswer } from '../errors/index.js';

/** A JSON-RPC error object as it goes on the wire. */
export interface WireError {
  code: number;
  message: string;
  data?: unknown;
}

/**
 * Answers with a JSON-RPC error the SDK's protocol layer defined (parse error, unsupported version, routing-header
 * mismatch): those speak the protocol's own codes, not Toolport's. Toolport's own failures go through sendErrorAnswer.
 */
export function sendJsonRpcError(res: ServerResponse, status: number, error: WireError, id: unknown = null, headers: Record<string, string> = {}): void {
  if (res.headersSent) return void res.end();
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  const wire = { code: error.code, message: error.message, ...(error.data === undefined ? {} : { data: error.data }) };
  res.end(JSON.stringify({ jsonrpc: '2.0', id, error: wire }));
}

/** Answers a failure the one mapper (errorAnswer) has turned into a status, headers and JSON-RPC error. */
export function sendErrorAnswer(res: ServerResponse, answer: ErrorAnswer, id: unknown = null, headers: Record<string, string> = {}): void {
  sendJsonRpcError(res, answer.status, answer.jsonRpc, id, { ...answer.headers, ...headers });
}
