// Shared by the authorization-server tests: control-plane calls, token requests, JWT claims, PKCE.
import { createHash, randomBytes } from 'node:crypto';
import pg from 'pg';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { invocationUrl } from '../helpers/platform.js';

/** Where PostgreSQL tests run; each gets its own schema, dropped afterwards. */
export const PG_URL = process.env.TOOLPORT_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** A fresh lower-case schema name for one PostgreSQL test. */
export const pgSchema = (): string => `identity_${randomBytes(6).toString('hex')}`;

export async function dropSchema(schema: string): Promise<void> {
  const client = new pg.Client(PG_URL);
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  } finally {
    await client.end();
  }
}

/** Calls `/api/identity{path}` with the admin token; resolves to status and parsed body. */
export async function identityApi(
  platform: { url: string; adminToken: string },
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${platform.url}/api/identity${path}`, {
    method,
    headers: { authorization: `Bearer ${platform.adminToken}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

/** A form POST to an endpoint of the issuer; resolves to status and JSON body. */
export async function postForm(
  url: string,
  form: Record<string, string>,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: Record<string, string> }> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(form),
  });
  const text = await response.text(); // revocation answers 200 with no body (RFC 7009 §2.2)
  return { status: response.status, body: text ? (JSON.parse(text) as Record<string, string>) : {} };
}

/** A client_credentials grant at the token endpoint (client_secret_post, as the seeds send it). */
export function clientCredentials(issuer: string, clientId: string, secret: string, extra: Record<string, string> = {}): ReturnType<typeof postForm> {
  return postForm(`${issuer}/token`, { grant_type: 'client_credentials', client_id: clientId, client_secret: secret, ...extra });
}

/** The payload of a JWT, unverified (tests check what was issued; verification is the runtime's job). */
export function claimsOf(jwt: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(jwt.split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
}

export function headerOf(jwt: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(jwt.split('.')[0] ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
}

/** An RFC 7636 S256 verifier and challenge. */
export function pkcePair(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

/** Lists a runtime's tools through the MCP SDK client with a bearer token; the client is closed afterwards. */
export async function listToolsWith(platform: { url: string }, runtime: string, token: string): Promise<string[]> {
  const client = new Client({ name: 'identity-test', version: '1.0.0' });
  const transport = new StreamableHTTPClientTransport(invocationUrl(platform, runtime), { requestInit: { headers: { authorization: `Bearer ${token}` } } });
  await client.connect(transport);
  try {
    return (await client.listTools()).tools.map((tool) => tool.name);
  } finally {
    await client.close();
  }
}

/** Status and challenge of an unauthenticated-or-refused MCP initialize POST to a runtime. */
export async function invokeStatus(platform: { url: string }, runtime: string, token?: string): Promise<{ status: number; challenge: string | null }> {
  const response = await fetch(invocationUrl(platform, runtime), {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 't', version: '1' } },
    }),
  });
  await response.body?.cancel();
  return { status: response.status, challenge: response.headers.get('www-authenticate') };
}
