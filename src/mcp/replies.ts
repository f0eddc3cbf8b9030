import type { ServerResponse } from 'node:http';

/** A JSON-RPC error object as it goes on the wire. */
export interface WireError {
  code: number;
  message: string;
  data?: unknown;
}

/** Answers with a JSON-RPC error and an HTTP status (every refusal the runtime makes itself goes through here). */
export function sendJsonRpcError(res: ServerResponse, status: number, error: WireError, id: unknown = null, headers: Record<string, string> = {}): void {
  if (res.headersSent) return void res.end();
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  const wire = { code: error.code, message: error.message, ...(error.data === undefined ? {} : { data: error.data }) };
  res.end(JSON.stringify({ jsonrpc: '2.0', id, error: wire }));
}
