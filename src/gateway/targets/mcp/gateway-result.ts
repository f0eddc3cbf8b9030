// Toward the caller the gateway is the server: an upstream's own name leaves its results.
import { SERVER_INFO_META_KEY } from '@modelcontextprotocol/client';

/** A result without the upstream's `_meta` server info (2026-07-28 names the server in every result). */
export function asGatewayResult<T extends { _meta?: Record<string, unknown> }>(result: T): T {
  if (!result._meta || !(SERVER_INFO_META_KEY in result._meta)) return result;
  const { [SERVER_INFO_META_KEY]: _upstream, ...meta } = result._meta;
  const { _meta: _dropped, ...rest } = result;
  return (Object.keys(meta).length ? { ...rest, _meta: meta } : rest) as T;
}
