// The URL contract of runtimes and gateways: `/runtimes/{ref}/invocations` (ref = a name or an ARN, AgentCore-style,
// percent-encoded as one segment), `/gateways/{name}/mcp`, and their RFC 9728 protected-resource metadata. Built and
// parsed here only, so the edge, the hosts, the client, the CLI and the tests cannot drift apart.
import { decodePathPart } from './path.js';

/** What a runtime's invocation URL carries when the caller names no endpoint: the latest version. */
export const DEFAULT_QUALIFIER = 'DEFAULT';

/** RFC 9728 §3.1: a resource's metadata lives at this prefix followed by the resource's own path. */
export const METADATA_PREFIX = '/.well-known/oauth-protected-resource';

/** A Toolport runtime ARN: `arn:toolport:runtime:{region}:{account}:runtime/{name}`. */
export const TOOLPORT_RUNTIME_ARN = /^arn:toolport:runtime:[^:]*:\d*:runtime\/[A-Za-z0-9_-]+$/;

/** An AgentCore runtime ARN; group 1 is the partition, group 2 the region. */
export const AGENTCORE_RUNTIME_ARN = /^arn:(aws[a-z-]*):bedrock-agentcore:([a-z0-9-]+):\d{12}:runtime\/[A-Za-z0-9_-]+$/;

const RUNTIME = /^\/runtimes\/([^/]+)\/invocations\/?$/;
const GATEWAY = /^\/gateways\/([^/]+)\/mcp\/?$/;
/** Where every runtime's and gateway's path starts (a client's RFC 8707 `resources` entries must start so too). */
const RESOURCE_PREFIX = /^\/(runtimes|gateways)\/[^/]/;

/** The ARN of a Toolport runtime. */
export function runtimeArn(name: string): string {
  return `arn:toolport:runtime:local:000000000000:runtime/${name}`;
}

/**
 * The runtime name in `ref` (already decoded): `ref` itself, or the `NAME` of any ARN whose resource is
 * `runtime/NAME`; undefined for an ARN of anything else.
 */
export function runtimeNameOfRef(ref: string): string | undefined {
  if (!ref.startsWith('arn:')) return ref;
  return /:runtime\/([^/]+)$/.exec(ref)?.[1];
}

/** The path of a runtime's invocations endpoint as a request addressed it: `segment` is used exactly as sent. */
export function runtimePathOfSegment(segment: string): string {
  return `/runtimes/${segment}/invocations`;
}

/** The path of a runtime's invocations endpoint; `ref` (a name or an ARN) is percent-encoded as one segment. */
export function runtimePath(ref: string): string {
  return runtimePathOfSegment(encodeURIComponent(ref));
}

/** A runtime's invocation URL under `base` (an origin, or an origin with a path prefix, no trailing slash). */
export function runtimeUrl(base: string, ref: string, qualifier: string = DEFAULT_QUALIFIER): string {
  return `${base}${runtimePath(ref)}?qualifier=${encodeURIComponent(qualifier)}`;
}

/** The path of a gateway's MCP endpoint. */
export function gatewayPath(name: string): string {
  return `/gateways/${encodeURIComponent(name)}/mcp`;
}

/** A gateway's MCP URL under `base` (no trailing slash). */
export function gatewayUrl(base: string, name: string): string {
  return `${base}${gatewayPath(name)}`;
}

/** The path of the RFC 9728 metadata of the resource at `resourcePath` (§3.1: inserted after the host). */
export function metadataPath(resourcePath: string): string {
  return `${METADATA_PREFIX}${resourcePath}`;
}

/** A runtime or gateway endpoint (or its metadata) named by a request path. */
export interface EndpointPath {
  kind: 'runtime' | 'gateway';
  /** True for the RFC 9728 metadata document of the endpoint, not the endpoint itself. */
  metadata: boolean;
  /** The `{ref}` / `{name}` segment exactly as sent (still percent-encoded). */
  segment: string;
  /** The segment decoded: a runtime's name or ARN, a gateway's name. */
  ref: string;
}

/**
 * Which runtime or gateway endpoint `path` names, or undefined when it names none. A trailing slash is allowed; a
 * segment with a malformed percent escape throws BadPathError (the edge answers 400).
 */
export function parseEndpointPath(path: string): EndpointPath | undefined {
  const metadata = path.startsWith(`${METADATA_PREFIX}/`);
  const rest = metadata ? path.slice(METADATA_PREFIX.length) : path;
  for (const [kind, pattern] of [
    ['runtime', RUNTIME],
    ['gateway', GATEWAY],
  ] as const) {
    const segment = pattern.exec(rest)?.[1];
    if (segment !== undefined) return { kind, metadata, segment, ref: decodePathPart(segment) };
  }
  return undefined;
}

/** True when `path` lies under a runtime's or gateway's prefix (`/runtimes/x...`, `/gateways/x...`). */
export function underEndpointPrefix(path: string): boolean {
  return RESOURCE_PREFIX.test(path);
}
