import type { Duplex } from 'node:stream';
import { STATUS_CODES } from 'node:http';
import { ToolportError } from '../errors/index.js';

/**
 * Answers a request Node's HTTP parser refused (headers over the limit, a malformed request line or header) with the
 * edge's JSON error instead of Node's bare status line. Nothing reaches a route, so nothing is logged as a failure.
 */
export function answerClientError(error: NodeJS.ErrnoException, socket: Duplex): void {
  if (!socket.writable || error.code === 'ECONNRESET') {
    socket.destroy();
    return;
  }
  const refusal =
    error.code === 'HPE_HEADER_OVERFLOW'
      ? new ToolportError('headers_too_large', 'the request headers are larger than the server accepts; send fewer or shorter headers')
      : error.code === 'ERR_HTTP_REQUEST_TIMEOUT' || error.code === 'HPE_HEADERS_TIMEOUT'
        ? new ToolportError('request_timeout', 'the request did not arrive in time')
        : new ToolportError('bad_request', 'the request is not valid HTTP/1.1 (malformed request line, header or length)');
  // No request id: nothing reached a route or a log line for the caller to look up.
  const status = refusal.httpStatus;
  const body = JSON.stringify({ error: { code: refusal.code, message: refusal.message } });
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
  );
}
