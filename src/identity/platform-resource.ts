/**
 * Runtimes and gateways of this platform as OAuth resources (RFC 8707): which URLs are this platform's, and the path
 * that names one. The authorization server (which client may name which resource) and the JWT authorizer (a token's
 * audience must be the resource called) use this one rule.
 */
import { underEndpointPrefix } from '../http/index.js';

/** Loopback host names: one machine, so any of them names this platform when it listens on loopback. */
export const LOOPBACK_HOSTS: ReadonlySet<string> = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** True when `url` is on this platform: same scheme and port, and the same host or both loopback. */
export function onPlatform(url: URL, platform: URL): boolean {
  return (
    url.protocol === platform.protocol &&
    url.port === platform.port &&
    (url.hostname === platform.hostname || (LOOPBACK_HOSTS.has(url.hostname) && LOOPBACK_HOSTS.has(platform.hostname)))
  );
}

/** The path that names a resource: percent-decoded (an ARN may be written either way), without a trailing slash. */
export function resourcePath(url: URL): string {
  let path = url.pathname;
  try {
    path = decodeURIComponent(path);
  } catch {
    // A malformed escape stays as written; it then matches only itself.
  }
  return path.length > 1 ? path.replace(/\/+$/, '') : path;
}

/** True for a path a client's `resources` list may hold: a runtime's or gateway's, e.g. /runtimes/NAME/invocations. */
export function isResourcePath(path: string): boolean {
  return underEndpointPrefix(path) && !/\s/.test(path) && resourcePath(new URL(path, 'http://platform')) === path;
}
