import type { ServerResponse } from 'node:http';
import { errorAnswer } from '../errors/index.js';
import type { AuthError } from './errors.js';

/** Quotes a value for an RFC 6750 challenge parameter. */
function quoted(value: string): string {
  return `"${value.replace(/["\\]/g, '')}"`;
}

/**
 * Answers a failed bearer check the way MCP clients expect (RFC 6750 §3, RFC 9728 §5.1): 401 `invalid_token` or
 * 403 `insufficient_scope`, naming the protected-resource metadata so a client can find the authorization server.
 */
export function sendAuthChallenge(res: ServerResponse, error: AuthError, resourceMetadataUrl: string, requestId: string, id: unknown = null): void {
  const answer = errorAnswer(error, requestId);
  // RFC 6750 §3.1: a request that carried no credentials gets a challenge without an error code.
  const params =
    error.code === 'missing_token'
      ? ['Bearer realm="toolport"']
      : [`Bearer error=${quoted(error.code === 'insufficient_scope' ? 'insufficient_scope' : 'invalid_token')}`, `error_description=${quoted(error.message)}`];
  if (error.scopes.length) params.push(`scope=${quoted(error.scopes.join(' '))}`);
  params.push(`resource_metadata=${quoted(resourceMetadataUrl)}`);
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  // An issuer that cannot be reached is not the caller's fault: no challenge to answer.
  if (error.code !== 'issuer_unavailable') headers['www-authenticate'] = params.join(', ');
  res.writeHead(answer.status, headers);
  res.end(JSON.stringify({ jsonrpc: '2.0', id, error: answer.jsonRpc }));
}

/** The bearer token of a request, if it has one. */
export function bearerToken(authorization: string | undefined): string | undefined {
  const match = /^Bearer +([A-Za-z0-9\-._~+/]+=*)$/i.exec(authorization?.trim() ?? '');
  return match?.[1];
}
