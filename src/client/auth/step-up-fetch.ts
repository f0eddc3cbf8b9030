import type { FetchLike } from '@modelcontextprotocol/client';
import type { Credentials } from './credentials.js';
import { challengeFrom } from './mcp-provider.js';

/**
 * Scope step-up (MCP authorization §Scope Challenge Handling, SEP-835): when the MCP endpoint answers a request with
 * 403 and `WWW-Authenticate: Bearer error="insufficient_scope", scope="…"`, the credentials authorize again for the
 * wider scope and the request is sent once more with the new token. Once per request, so a server that keeps
 * refusing gets its 403 back instead of a loop. Resending is safe: a 403 means the request was not carried out.
 */
export function withScopeStepUp(next: FetchLike, endpoint: URL, credentials: Credentials | undefined): FetchLike {
  if (!credentials?.onInsufficientScope) return next;
  return async (input, init) => {
    const response = await next(input, init);
    // Only the MCP endpoint's own answers: the same fetch also carries OAuth discovery and token requests.
    if (response.status !== 403 || String(input) !== endpoint.href) return response;
    const { error, ...challenge } = challengeFrom(response);
    if (error !== 'insufficient_scope') return response;
    await response.body?.cancel();
    await credentials.onInsufficientScope?.(challenge);
    const headers = new Headers(init?.headers);
    const token = await credentials.token();
    if (token) headers.set('authorization', `Bearer ${token}`);
    return next(input, { ...init, headers });
  };
}
