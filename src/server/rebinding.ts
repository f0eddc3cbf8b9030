import type { IncomingMessage } from 'node:http';
import { localhostAllowedHostnames, localhostAllowedOrigins, validateHostHeader, validateOriginHeader } from '@modelcontextprotocol/server';

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|localhost)$/;

/** Whether binding `host` keeps the edge reachable from this machine only. */
export function isLoopback(host: string): boolean {
  return LOOPBACK.test(host);
}

/**
 * Refuses a bind that exposes the edge beyond this machine unless it says where clients reach it (`publicUrl`: the
 * Host header must not choose the issuer or advertised URLs) and which names they use (`allowedHosts`: the guard).
 */
export function checkExposure(host: string, publicUrl: string | undefined, allowedHosts: string[]): string | undefined {
  if (isLoopback(host)) return undefined;
  if (!publicUrl) return `binding ${host} exposes Toolport beyond this machine: set server.publicUrl (or --public-url) to the URL clients reach it at`;
  if (allowedHosts.length === 0) return `binding ${host} exposes Toolport beyond this machine: list the host names clients use in server.allowedHosts`;
  return undefined;
}

/**
 * DNS-rebinding protection (MCP transport security, Streamable HTTP §"Security Warning"): a server on loopback
 * answers only requests addressed to a loopback name, and browser requests only from loopback origins.
 * `allowedHosts` extends both lists (e.g. the name of a reverse proxy in front of Toolport). It is on whatever the bind
 * address: a non-loopback bind must name its hosts (checkExposure).
 */
export function rebindingGuard(allowedHosts: string[]): (req: IncomingMessage) => string | undefined {
  const hosts = [...localhostAllowedHostnames(), ...allowedHosts];
  const origins = [...localhostAllowedOrigins(), ...allowedHosts];
  return (req) => {
    const host = validateHostHeader(req.headers.host, hosts);
    if (!host.ok) return `${host.message}; add the name to server.allowedHosts if a proxy forwards to Toolport`;
    const origin = validateOriginHeader(req.headers.origin, origins);
    return origin.ok ? undefined : `${origin.message}; add the origin's host to server.allowedHosts to allow it`;
  };
}
