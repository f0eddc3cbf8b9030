import type { IncomingMessage } from 'node:http';

/**
 * The origin a caller reached this request at, for the URLs a part advertises (challenges, metadata). The edge
 * strips any X-Forwarded-Proto a caller sent and sets it (and Host) only from server.publicUrl, so both are ours.
 */
export function requestOrigin(req: IncomingMessage, fallbackHost = '127.0.0.1'): string {
  const scheme = req.headers['x-forwarded-proto'] === 'https' ? 'https' : 'http';
  return `${scheme}://${req.headers.host ?? fallbackHost}`;
}
