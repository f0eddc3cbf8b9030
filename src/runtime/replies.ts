import type { IncomingMessage, ServerResponse } from 'node:http';
import { isJsonContentType, ProtocolErrorCode } from '@modelcontextprotocol/server';
import { errorAnswer } from '../errors/index.js';
import { sendErrorAnswer } from '../mcp/index.js';

/** Answers a runtime failure through the one mapper; `requestId` is the one in the request's log line. */
export function sendRuntimeError(res: ServerResponse, error: unknown, requestId: string, id: unknown = null): void {
  sendErrorAnswer(res, errorAnswer(error, requestId), id);
}

/** One value of a request header. */
export function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * Errors a hosted server's dispatcher raises before any handler runs; over HTTP the 2026-07-28 entry answers them
 * with these statuses (the SDK's ladder table), which a worker on stdio cannot set itself.
 */
const LADDER_STATUS = new Map<number, number>([
  [ProtocolErrorCode.MethodNotFound, 404],
  [ProtocolErrorCode.UnsupportedProtocolVersion, 400],
  [ProtocolErrorCode.MissingRequiredClientCapability, 400],
]);

/** Gives a JSON error answer from the worker's dispatcher the HTTP status the 2026-07-28 HTTP binding requires. */
export async function withLadderStatus(response: Response): Promise<Response> {
  if (response.status !== 200 || !isJsonContentType(response.headers.get('content-type'))) return response;
  const text = await response.text();
  const code = (JSON.parse(text) as { error?: { code?: number } }).error?.code;
  const status = code === undefined ? undefined : LADDER_STATUS.get(code);
  return new Response(text, { status: status ?? 200, headers: response.headers });
}
