// The `mcp` auth mode's scope handling over real HTTP: an MCP endpoint on 127.0.0.1 that challenges like a spec
// resource server (401 naming its metadata and scope, 403 insufficient_scope for a wider one) in front of a small
// authorization server on another port (RFC 8414 metadata, RFC 7591 registration, authorization code + PKCE).
import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { McpServer, createMcpHandler } from '@modelcontextprotocol/server';
import { z } from 'zod';
import { connect, createCredentials, type AuthOptions } from '../../src/client/index.js';
import { serveFetch } from '../helpers/fetch-server.js';
import { textOf } from '../helpers/platform.js';
import { closeAll } from '../helpers/teardown.js';

const json = (body: unknown, status = 200, headers: Record<string, string> = {}): Response => Response.json(body, { status, headers });

/** What the authorization server saw, for the tests to judge. */
interface IssuerLog {
  registrations: number;
  authorizationScopes: (string | null)[];
  tokenRequests: number;
}

/**
 * An authorization server that approves every sign-in at once and grants the scopes asked for, except `admin`
 * (so a step-up for it can never succeed). Tokens are opaque; `grantedScopes` is how the resource server checks them.
 */
function issuerHandler(base: () => string, log: IssuerLog, grantedScopes: Map<string, Set<string>>): (request: Request) => Promise<Response> {
  const codes = new Map<string, { challenge: string; scope: string }>();
  return async (request) => {
    const url = new URL(request.url);
    if (url.pathname === '/.well-known/oauth-authorization-server') {
      return json({
        issuer: base(),
        authorization_endpoint: `${base()}/authorize`,
        token_endpoint: `${base()}/token`,
        registration_endpoint: `${base()}/register`,
        response_types_supported: ['code'],
        grant_types_supported: ['authorization_code'],
        code_challenge_methods_supported: ['S256'],
        token_endpoint_auth_methods_supported: ['none'],
      });
    }
    if (url.pathname === '/register') {
      log.registrations++;
      return json({ ...((await request.json()) as object), client_id: `client-${log.registrations}` }, 201);
    }
    if (url.pathname === '/authorize') {
      const scope = url.searchParams.get('scope');
      log.authorizationScopes.push(scope);
      const code = randomBytes(12).toString('hex');
      codes.set(code, { challenge: url.searchParams.get('code_challenge') ?? '', scope: scope ?? '' });
      const back = new URL(url.searchParams.get('redirect_uri') ?? '');
      back.searchParams.set('code', code);
      back.searchParams.set('state', url.searchParams.get('state') ?? '');
      return new Response(null, { status: 302, headers: { location: back.href } });
    }
    if (url.pathname === '/token') {
      log.tokenRequests++;
      const form = new URLSearchParams(await request.text());
      const issued = codes.get(form.get('code') ?? '');
      const verifier = form.get('code_verifier') ?? '';
      if (!issued || createHash('sha256').update(verifier).digest('base64url') !== issued.challenge) return json({ error: 'invalid_grant' }, 400);
      codes.delete(form.get('code') ?? '');
      const token = randomBytes(16).toString('hex');
      const granted = issued.scope.split(' ').filter((scope) => scope && scope !== 'admin');
      grantedScopes.set(token, new Set(granted));
      return json({ access_token: token, token_type: 'Bearer', expires_in: 3600, scope: granted.join(' ') });
    }
    return new Response('not found', { status: 404 });
  };
}

/** The scope each tool needs; everything else (listing included) needs `files:read`. */
const TOOL_SCOPES: Record<string, string> = { write_file: 'files:write', purge: 'admin' };

function filesServer(): McpServer {
  const server = new McpServer({ name: 'files', version: '1.0.0' }, { capabilities: { tools: {} } });
  for (const name of ['read_file', 'write_file', 'purge']) {
    server.registerTool(name, { description: `${name} a file`, inputSchema: z.object({ path: z.string() }) }, async ({ path }) => ({
      content: [{ type: 'text', text: `${name} ${path}` }],
    }));
  }
  return server;
}

/**
 * The MCP endpoint as a spec resource server: RFC 9728 metadata that lists more scopes than a caller needs, a 401
 * naming the metadata and `files:read`, and a 403 insufficient_scope naming the wider scope a tool needs.
 */
function resourceHandler(base: () => string, issuer: () => string, grantedScopes: Map<string, Set<string>>): (request: Request) => Promise<Response> {
  const mcp = createMcpHandler(filesServer, { legacy: 'reject' });
  const metadataUrl = (): string => `${base()}/.well-known/oauth-protected-resource/mcp`;
  return async (request) => {
    const url = new URL(request.url);
    if (url.pathname === '/.well-known/oauth-protected-resource/mcp') {
      return json({ resource: `${base()}/mcp`, authorization_servers: [issuer()], scopes_supported: ['files:read', 'files:write', 'admin'] });
    }
    const token = /^Bearer (.+)$/.exec(request.headers.get('authorization') ?? '')?.[1];
    const granted = token ? grantedScopes.get(token) : undefined;
    if (!granted) return json({ error: 'invalid_token' }, 401, { 'www-authenticate': `Bearer resource_metadata="${metadataUrl()}", scope="files:read"` });
    const message = request.method === 'POST' ? ((await request.clone().json()) as { method?: string; params?: { name?: string } }) : {};
    const needed = message.method === 'tools/call' ? (TOOL_SCOPES[message.params?.name ?? ''] ?? 'files:read') : 'files:read';
    if (!granted.has(needed)) {
      return json({ error: 'insufficient_scope' }, 403, {
        'www-authenticate': `Bearer error="insufficient_scope", scope="${needed}", resource_metadata="${metadataUrl()}"`,
      });
    }
    return mcp.fetch(request);
  };
}

describe('mcp auth mode: scopes from challenges', () => {
  let issuer: Awaited<ReturnType<typeof serveFetch>>;
  let resource: Awaited<ReturnType<typeof serveFetch>>;
  const log: IssuerLog = { registrations: 0, authorizationScopes: [], tokenRequests: 0 };
  const grantedScopes = new Map<string, Set<string>>();

  before(async () => {
    issuer = await serveFetch(issuerHandler(() => issuer.base, log, grantedScopes));
    resource = await serveFetch(
      resourceHandler(
        () => resource.base,
        () => issuer.base,
        grantedScopes,
      ),
    );
  });
  after(() =>
    closeAll(
      () => resource?.close(),
      () => issuer?.close(),
    ),
  );
  beforeEach(() => Object.assign(log, { registrations: 0, authorizationScopes: [], tokenRequests: 0 }));

  /** Unattended sign-in: following the authorization URL's redirect delivers the code to the loopback listener. */
  const auth: AuthOptions = {
    mode: 'mcp',
    cache: false,
    openBrowser: false,
    onAuthorizationUrl: (url) => void fetch(url).then((response) => response.body?.cancel()),
    loginTimeoutMs: 10_000,
  };
  const open = () => connect({ target: `${resource.base}/mcp`, auth });

  it('signs in for the scope the 401 names (not every scopes_supported), then steps up once to the union on a 403 insufficient_scope', async () => {
    const connection = await open();
    try {
      assert.equal(textOf(await connection.client.callTool({ name: 'read_file', arguments: { path: 'a.txt' } })), 'read_file a.txt');
      assert.deepEqual(log.authorizationScopes, ['files:read'], "the challenge's scope, not the metadata's files:read files:write admin");

      assert.equal(textOf(await connection.client.callTool({ name: 'write_file', arguments: { path: 'a.txt' } })), 'write_file a.txt');
      assert.deepEqual(log.authorizationScopes, ['files:read', 'files:read files:write'], 'one step-up, keeping the scope already granted (SEP-2350)');
      assert.equal(log.registrations, 1, 'the step-up reuses the registered client');

      // The widened token now covers both tools: no further sign-in.
      assert.equal(textOf(await connection.client.callTool({ name: 'read_file', arguments: { path: 'b.txt' } })), 'read_file b.txt');
      assert.equal(textOf(await connection.client.callTool({ name: 'write_file', arguments: { path: 'b.txt' } })), 'write_file b.txt');
      assert.equal(log.tokenRequests, 2);
    } finally {
      await connection.close();
    }
  });

  it('login, with no request to prompt it, asks the endpoint for its challenge first and signs in for that scope', async () => {
    const credentials = createCredentials(auth, new URL(`${resource.base}/mcp`));
    const { accessToken } = (await credentials?.login()) ?? { accessToken: '' };
    assert.deepEqual(log.authorizationScopes, ['files:read'], "the 401's scope, as a connection would ask for");
    assert.deepEqual([...(grantedScopes.get(accessToken) ?? [])], ['files:read']);
  });

  it('a scope the issuer never grants gets one step-up per call, then the 403 comes back instead of a loop', async () => {
    const connection = await open();
    try {
      await connection.client.listTools();
      await assert.rejects(connection.client.callTool({ name: 'purge', arguments: { path: '/' } }), (error: Error) =>
        /insufficient[_ ]scope/i.test(connection.explain(error).message),
      );
      assert.deepEqual(log.authorizationScopes, ['files:read', 'files:read admin']);
      assert.equal(log.tokenRequests, 2);
    } finally {
      await connection.close();
    }
  });
});
