/**
 * 2026-07-28 routing headers (SEP-2243, transports §"Server validation"): `Mcp-Method` MUST equal the body's method and a
 * request naming a tool, prompt or resource MUST carry the same name in `Mcp-Name`. The SDK's HTTP entry checks this, but its checker
 * is internal in 2.4 and a worker behind stdio never sees headers, so the runtime edge checks it.
 */
const NAMED_BY: Record<string, 'name' | 'uri'> = { 'tools/call': 'name', 'prompts/get': 'name', 'resources/read': 'uri' };

/** JSON-RPC code of a header/body disagreement (HeaderMismatch). */
export const HEADER_MISMATCH = -32020;

/** Decodes a header value: surrounding whitespace is not part of it (RFC 9110 §5.5); `=?base64?…?=` carries non-ASCII. */
function headerValue(raw: string): string {
  const value = raw.trim();
  const encoded = /^=\?base64\?([A-Za-z0-9+/=]*)\?=$/i.exec(value);
  return encoded ? Buffer.from(encoded[1] as string, 'base64').toString('utf8') : value;
}

/** Why `Mcp-Method` / `Mcp-Name` are missing or disagree with the body (values are case-sensitive); undefined when they agree. */
export function routingHeaderMismatch(method: string, params: unknown, mcpMethod: string | undefined, mcpName: string | undefined): string | undefined {
  if (mcpMethod === undefined) return `Bad Request: a ${method} request without a session must carry the Mcp-Method header`;
  if (headerValue(mcpMethod) !== method) {
    return `Bad Request: the request headers and body disagree: Mcp-Method "${mcpMethod.trim()}" but method "${method}"`;
  }
  const field = NAMED_BY[method];
  if (!field) return undefined;
  const named = (params as Record<string, unknown> | undefined)?.[field];
  if (typeof named !== 'string') return undefined;
  if (mcpName === undefined) return `Bad Request: ${method} names "${named}" in params.${field} but has no Mcp-Name header`;
  const header = headerValue(mcpName);
  return header === named ? undefined : `Bad Request: the request headers and body disagree: Mcp-Name "${header}" but params.${field} "${named}"`;
}

/** AgentCore's session header; accepted wherever `Mcp-Session-Id` is. */
export const AGENTCORE_SESSION_HEADER = 'x-amzn-bedrock-agentcore-runtime-session-id';
