import type { IncomingMessage, ServerResponse } from 'node:http';
import { ToolportError } from '../errors/index.js';

/** Turns a Node request (whose body has already been read) into a fetch `Request` for the SDK's web-standard transports. */
export function toFetchRequest(req: IncomingMessage, body: Buffer | undefined, signal?: AbortSignal): Request {
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined) continue;
    for (const item of Array.isArray(value) ? value : [value]) headers.append(name, item);
  }
  const url = `http://${req.headers.host ?? '127.0.0.1'}${req.url ?? '/'}`;
  const init: RequestInit = { method: req.method ?? 'GET', headers };
  if (signal) init.signal = signal;
  if (body && body.length > 0 && req.method !== 'GET' && req.method !== 'HEAD') init.body = new Uint8Array(body);
  return new Request(url, init);
}

/**
 * Writes a fetch `Response` to a Node response, streaming the body chunk by chunk (SSE is never held back). What is
 * ready in the same turn of the event loop leaves in one socket write: an SSE answer is then two writes (headers with
 * the priming event, later the message with the end of the stream) instead of one per piece.
 */
export async function sendFetchResponse(res: ServerResponse, response: Response, extraHeaders: Record<string, string> = {}): Promise<void> {
  const headers: Record<string, string | string[]> = { ...extraHeaders };
  response.headers.forEach((value, name) => {
    headers[name] = value;
  });
  res.writeHead(response.status, headers);
  if (!response.body) {
    res.end();
    return;
  }
  let corked = false;
  const batch = (): void => {
    if (corked) return;
    corked = true;
    res.cork();
    setImmediate(() => {
      corked = false;
      res.uncork();
    });
  };
  if (headers['content-type']?.toString().startsWith('text/event-stream')) {
    batch();
    res.flushHeaders();
  }
  // Read the web stream directly (cheaper than Readable.fromWeb); cancelling it tells the SDK the caller left.
  const reader = response.body.getReader();
  res.on('close', () => void reader.cancel().catch(() => undefined));
  for (;;) {
    const { done, value } = await reader.read().catch(() => ({ done: true, value: undefined }));
    if (done || res.destroyed) break;
    batch();
    res.write(value);
  }
  res.end();
}

/**
 * Runs `work` (a log line, an audit write) once the answers finished in this turn have left: sendFetchResponse flushes
 * a response's last piece from a setImmediate queued after any that runs before it, so `work` waits one more turn.
 */
export function afterAnswersLeave(work: () => void): void {
  setImmediate(() => setImmediate(work));
}

/** A request body over its limit; each edge adds which setting raises it. */
export class BodyTooLargeError extends ToolportError<'body_too_large'> {
  constructor(readonly limit: number) {
    super('body_too_large', `request body is larger than the limit of ${limit} bytes`);
  }
}

/** Reads a request body up to `limit` bytes; rejects with BodyTooLargeError past it (checked on Content-Length first). */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? NaN);
  if (Number.isFinite(declared) && declared > limit) return Promise.reject(new BodyTooLargeError(limit));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.removeAllListeners('data');
        req.resume();
        reject(new BodyTooLargeError(limit));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}
