import type { IncomingMessage } from 'node:http';
import { localhostAllowedHostnames, localhostAllowedOrigins, validateHostHeader, validateOriginHeader } from '@modelcontextprotocol/server';

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|localhost)$/;

/**
 * DNS-rebinding protection (MCP transport security, Streamable HTTP §"Security Warning"): a server on loopback
 * answers only requests addressed to a loopback name, and browser requests only from loopback origins.
 * `allowedHosts` extends both lists (e.g. the name of a reverse proxy in front of Toolport).
 */
export function rebindingGuard(bindHost: string, allowedHosts: string[]): (req: IncomingMessage) => string | undefined {
  const enforce = LOOPBACK.test(bindHost) || allowedHosts.length > 0;
  const hosts = [...localhostAllowedHostnames(), ...allowedHosts];
  const origins = [...localhostAllowedOrigins(), ...allowedHosts];
  return (req) => {
    if (!enforce) return undefined;
    const host = validateHostHeader(req.headers.host, hosts);
    if (!host.ok) return `${host.message}; add the name to server.allowedHosts if a proxy forwards to Toolport`;
    const origin = validateOriginHeader(req.headers.origin, origins);
    return origin.ok ? undefined : `${origin.message}; add the origin's host to server.allowedHosts to allow it`;
  };
}
