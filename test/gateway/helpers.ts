// Shared steps of the gateway tests: the control-plane API and MCP SDK clients of either revision.
import { Client, StreamableHTTPClientTransport, type ClientOptions } from '@modelcontextprotocol/client';
import type { CallRecord, TargetStatus } from '../../src/gateway/index.js';
import { gatewayUrl as gatewayEndpoint } from '../../src/http/index.js';

/** What the gateway routes answer (each route fills the fields it has). */
export interface ApiBody {
  targets: TargetStatus[];
  calls: CallRecord[];
  error?: { code: string; message: string };
  [key: string]: unknown;
}

/** A 2025-11-25 client (initialize, session) or a 2026-07-28 client (negotiated by server/discover). */
export type Era = 'legacy' | 'modern';

/** Calls the control-plane API with the admin token; resolves to status and parsed body. */
export async function api(
  platform: { url: string; adminToken: string },
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: ApiBody }> {
  const response = await fetch(`${platform.url}/api${path}`, {
    method,
    headers: { authorization: `Bearer ${platform.adminToken}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, body: (text ? JSON.parse(text) : {}) as ApiBody };
}

/** The MCP endpoint of a gateway. */
export function gatewayUrl(platform: { url: string }, name: string): URL {
  return new URL(gatewayEndpoint(platform.url, name));
}

/** A connected SDK client of the given era. */
export async function connectGateway(
  platform: { url: string },
  name: string,
  options: { era?: Era; token?: string; client?: ClientOptions } = {},
): Promise<Client> {
  const client = new Client(
    { name: `gateway-test-${options.era ?? 'legacy'}`, version: '1.0.0' },
    {
      ...options.client,
      versionNegotiation: { mode: options.era === 'modern' ? { pin: '2026-07-28' } : 'legacy' },
    },
  );
  const headers: Record<string, string> = options.token ? { authorization: `Bearer ${options.token}` } : {};
  await client.connect(new StreamableHTTPClientTransport(gatewayUrl(platform, name), { requestInit: { headers } }));
  return client;
}

/** The text of a tool result's first content block. */
export function textOf(result: unknown): string {
  return ((result as { content?: { text?: string }[] }).content ?? [])[0]?.text ?? '';
}
