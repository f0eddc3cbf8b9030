import type { FetchLike } from '@modelcontextprotocol/client';
import { messagesOf } from './resilience.js';

/** A session the server forgot (reaped idle, restarted) and the one that replaced it. */
export interface SessionReplaced {
  expired: string;
  replacement: string;
}

/**
 * Fetch that survives a reaped session. The Streamable HTTP spec (2025-11-25, §Session Management) answers a request
 * for an unknown `Mcp-Session-Id` with 404, and the client must start a new session. This middleware remembers the
 * `initialize` and `notifications/initialized` the SDK sent, and on such a 404 replays them once for a new session,
 * re-sends the request under the new id, and from then on rewrites the old id on every request (the SDK transport
 * keeps its own copy). The request that met the 404 never reached a session, so re-sending it is safe even for a
 * `tools/call`.
 */
export function withSessionRecovery(next: FetchLike, onReplaced?: (event: SessionReplaced) => void): FetchLike {
  let initializeBody: string | undefined;
  let initializedBody: string | undefined;
  const replacements = new Map<string, string>();
  const pending = new Map<string, Promise<string>>();
  const latest = (id: string): string => {
    let current = id;
    for (let hops = 0; replacements.has(current) && hops < 100; hops++) current = replacements.get(current) as string;
    return current;
  };

  async function reinitialize(input: string | URL, init: RequestInit, headers: Headers): Promise<string> {
    const handshake = new Headers(headers);
    handshake.delete('mcp-session-id');
    handshake.delete('mcp-protocol-version');
    handshake.set('content-type', 'application/json');
    handshake.set('accept', 'application/json, text/event-stream');
    const response = await next(input, { ...init, method: 'POST', headers: handshake, body: initializeBody as string });
    const body = await response.text();
    const session = response.headers.get('mcp-session-id');
    if (!response.ok || !session) throw new Error(`the session expired and a new initialize failed (${response.status}): ${body.slice(0, 200)}`);
    if (initializedBody) {
      const notify = new Headers(headers);
      notify.set('mcp-session-id', session);
      notify.set('content-type', 'application/json');
      notify.set('accept', 'application/json, text/event-stream');
      const ack = await next(input, { ...init, method: 'POST', headers: notify, body: initializedBody });
      await ack.body?.cancel().catch(() => undefined);
    }
    return session;
  }

  return async (input, init) => {
    const messages = messagesOf(init);
    if (messages.some((message) => message.method === 'initialize')) initializeBody = init?.body as string;
    if (messages.some((message) => message.method === 'notifications/initialized')) initializedBody = init?.body as string;
    const headers = new Headers(init?.headers);
    const sent = headers.get('mcp-session-id');
    if (sent) headers.set('mcp-session-id', latest(sent));
    const response = await next(input, { ...init, headers });
    const method = (init?.method ?? 'GET').toUpperCase();
    if (response.status !== 404 || !sent || !initializeBody || method === 'DELETE') return response;

    const expired = latest(sent);
    await response.body?.cancel().catch(() => undefined);
    // Concurrent requests that all meet the 404 share one new session.
    let replacement = pending.get(expired);
    if (!replacement) {
      replacement = reinitialize(input, init ?? {}, headers).then((session) => {
        replacements.set(expired, session);
        onReplaced?.({ expired, replacement: session });
        return session;
      });
      replacement.finally(() => pending.delete(expired)).catch(() => undefined);
      pending.set(expired, replacement);
    }
    headers.set('mcp-session-id', await replacement);
    return next(input, { ...init, headers });
  };
}
