import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { loadMasterKey, Vault, VaultError } from '../../src/identity/index.js';
import type { Browser } from 'playwright-core';
import { launchBrowser } from '../helpers/browser.js';
import { startTestIssuer } from '../helpers/issuer.js';
import { toolport } from '../helpers/cli.js';
import { GREET_COMMAND, connectRuntime, invocationUrl, testPlatform, textOf } from '../helpers/platform.js';
import { closeAll } from '../helpers/teardown.js';

type Platform = Awaited<ReturnType<typeof testPlatform>>;
const PG_ADMIN = 'postgres://postgres@127.0.0.1:5432/test';
const CLIENT = { id: 'toolport-vault', secret: 'vault-client-secret-123' };

/**
 * A small real OAuth 2.0 authorization server on 127.0.0.1 speaking RFC 6749/7636/8414 on the wire: discovery,
 * an authorization endpoint that auto-approves the user named by `x-test-user` (the browser's logged-in session),
 * a token endpoint (client credentials, code + PKCE S256, refresh with rotation and reuse refusal), and a protected
 * `/whoami` resource. Counts token requests per grant.
 */
async function startOAuthServer(): Promise<{ url: string; discoveryUrl: string; grants: Record<string, number>; close(): Promise<void> }> {
  const grants: Record<string, number> = {};
  const tokens = new Map<string, { sub: string; scope: string }>();
  const codes = new Map<string, { sub: string; scope: string; challenge: string; redirectUri: string }>();
  const refreshTokens = new Map<string, { sub: string; scope: string; used: boolean }>();
  const issue = (sub: string, scope: string, withRefresh: boolean): Record<string, unknown> => {
    const accessToken = randomBytes(16).toString('hex');
    tokens.set(accessToken, { sub, scope });
    const answer: Record<string, unknown> = { access_token: accessToken, token_type: 'Bearer', expires_in: 3600, scope };
    if (withRefresh) {
      const refresh = randomBytes(16).toString('hex');
      refreshTokens.set(refresh, { sub, scope, used: false });
      answer.refresh_token = refresh;
    }
    return answer;
  };
  let base = '';
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', base);
    const json = (status: number, body: unknown): void => void res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    if (url.pathname === '/.well-known/oauth-authorization-server') {
      return json(200, { issuer: base, authorization_endpoint: `${base}/authorize`, token_endpoint: `${base}/token` });
    }
    if (url.pathname === '/authorize') {
      const user = req.headers['x-test-user'];
      const q = url.searchParams;
      if (typeof user !== 'string') return json(401, { error: 'login_required' });
      if (q.get('client_id') !== CLIENT.id || q.get('response_type') !== 'code' || q.get('code_challenge_method') !== 'S256')
        return json(400, { error: 'invalid_request' });
      const code = randomBytes(16).toString('hex');
      codes.set(code, { sub: user, scope: q.get('scope') ?? '', challenge: q.get('code_challenge') ?? '', redirectUri: q.get('redirect_uri') ?? '' });
      const back = new URL(q.get('redirect_uri') ?? '');
      back.searchParams.set('code', code);
      back.searchParams.set('state', q.get('state') ?? '');
      back.searchParams.set('iss', base); // RFC 9207
      return void res.writeHead(302, { location: back.toString() }).end();
    }
    if (url.pathname === '/whoami') {
      const token = tokens.get((req.headers.authorization ?? '').replace(/^Bearer /, ''));
      return token ? json(200, token) : json(401, { error: 'invalid_token' });
    }
    if (url.pathname !== '/token' || req.method !== 'POST') return json(404, { error: 'not_found' });
    let raw = '';
    req.on('data', (chunk: Buffer) => (raw += chunk.toString()));
    req.on('end', () => {
      const form = new URLSearchParams(raw);
      const basic = /^Basic (.+)$/.exec(req.headers.authorization ?? '')?.[1];
      const [id, secret] = basic
        ? Buffer.from(basic, 'base64').toString().split(':').map(decodeURIComponent)
        : [form.get('client_id'), form.get('client_secret')];
      const grant = form.get('grant_type') ?? '';
      grants[grant] = (grants[grant] ?? 0) + 1;
      if (id !== CLIENT.id || secret !== CLIENT.secret) return json(401, { error: 'invalid_client', error_description: 'client authentication failed' });
      if (grant === 'client_credentials') return json(200, issue(id, form.get('scope') ?? '', false));
      if (grant === 'authorization_code') {
        const code = codes.get(form.get('code') ?? '');
        codes.delete(form.get('code') ?? '');
        const verifierHash = createHash('sha256')
          .update(form.get('code_verifier') ?? '')
          .digest('base64url');
        if (!code || code.redirectUri !== form.get('redirect_uri') || code.challenge !== verifierHash) return json(400, { error: 'invalid_grant' });
        return json(200, issue(code.sub, code.scope, true));
      }
      if (grant === 'refresh_token') {
        const refresh = refreshTokens.get(form.get('refresh_token') ?? '');
        if (!refresh || refresh.used) return json(400, { error: 'invalid_grant', error_description: 'refresh token unknown or reused' });
        refresh.used = true; // rotation: each refresh token works once
        return json(200, issue(refresh.sub, refresh.scope, true));
      }
      json(400, { error: 'unsupported_grant_type' });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  return {
    url: base,
    discoveryUrl: `${base}/.well-known/oauth-authorization-server`,
    grants,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

async function api(platform: Platform, method: string, path: string, body?: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${platform.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${platform.adminToken}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  const text = await response.text();
  return { status: response.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

/** Opens a consent URL as `user` and follows the issuer's redirect to Toolport's callback, as a browser would. */
async function consent(authorizationUrl: string, user: string): Promise<{ status: number; page: string; callbackUrl: string }> {
  const approved = await fetch(authorizationUrl, { headers: { 'x-test-user': user }, redirect: 'manual' });
  assert.equal(approved.status, 302);
  const callbackUrl = approved.headers.get('location') ?? '';
  const callback = await fetch(callbackUrl);
  return { status: callback.status, page: await callback.text(), callbackUrl };
}

const oauthProvider = (oauth: { discoveryUrl: string }, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  name: 'corp',
  type: 'oauth2',
  discoveryUrl: oauth.discoveryUrl,
  clientId: CLIENT.id,
  clientSecret: CLIENT.secret,
  scopes: ['api/read'],
  ...extra,
});

describe("Identity's vault", () => {
  let oauth: Awaited<ReturnType<typeof startOAuthServer>>;
  let platform: Platform;

  before(async () => {
    oauth = await startOAuthServer();
    process.env.VAULT_TEST_API_KEY = 'sk-test-0123456789';
    platform = await testPlatform();
  });
  after(() =>
    closeAll(
      () => platform?.stop(),
      () => oauth?.close(),
      () => delete process.env.VAULT_TEST_API_KEY,
    ),
  );

  it('keeps secrets sealed at rest and never lists them', async () => {
    const created = await api(platform, 'POST', '/api/credentials/providers', { name: 'search', type: 'apiKey', apiKey: 'env:VAULT_TEST_API_KEY' });
    assert.equal(created.status, 201);
    assert.equal((await api(platform, 'POST', '/api/credentials/providers', oauthProvider(oauth))).status, 201);
    const listing = await api(platform, 'GET', '/api/credentials/providers');
    const text = JSON.stringify(listing.body);
    assert.ok(!text.includes('sk-test-0123456789') && !text.includes(CLIENT.secret), 'listings carry no secret');
    assert.deepEqual(
      (listing.body.providers as { name: string; hasSecret: boolean }[]).map((p) => [p.name, p.hasSecret]),
      [
        ['corp', true],
        ['search', true],
      ],
    );
    const rows = await platform.store.sql.all<{ name: string; secret: string }>('SELECT name, secret FROM vault_providers ORDER BY name');
    for (const row of rows) assert.match(row.secret, /^v1\.[A-Za-z0-9_-]+$/, `${row.name}'s secret is an AES-256-GCM sealed value`);
    assert.ok(!JSON.stringify(rows).includes('sk-test') && !JSON.stringify(rows).includes(CLIENT.secret));
    assert.equal(await platform.vault.apiKey('search'), 'sk-test-0123456789');
    const duplicate = await api(platform, 'POST', '/api/credentials/providers', { name: 'search', type: 'apiKey', apiKey: 'x' });
    assert.equal(duplicate.status, 409);
    const missingEnv = await api(platform, 'POST', '/api/credentials/providers', { name: 'ghost', type: 'apiKey', apiKey: 'env:VAULT_TEST_UNSET' });
    assert.deepEqual(
      [missingEnv.status, (missingEnv.body.error as { message: string }).message],
      [400, 'credential "ghost" takes its secret from env:VAULT_TEST_UNSET, which is not set in Toolport\'s environment'],
    );
    const undiscoverable = await api(
      platform,
      'POST',
      '/api/credentials/providers',
      oauthProvider(oauth, { name: 'odd', discoveryUrl: `${oauth.url}/metadata.json` }),
    );
    assert.deepEqual(
      [undiscoverable.status, (undiscoverable.body.error as { message: string }).message],
      [
        400,
        `credential "odd" has discoveryUrl ${oauth.url}/metadata.json, which is neither {issuer}/.well-known/openid-configuration nor {origin}/.well-known/oauth-authorization-server{path}; give that, or tokenUrl`,
      ],
      'a discovery URL whose issuer cannot be known is refused when created',
    );
  });

  it('gets client-credentials tokens once for concurrent callers, caches them, and refreshes shortly before expiry', async () => {
    let now = Date.now();
    const vault = new Vault(platform.store, {
      masterKey: await loadMasterKey(platform.dataDir),
      callbackUrl: () => `${platform.url}/identity/vault/callback`,
      now: () => now,
    });
    const before = oauth.grants.client_credentials ?? 0;
    const burst = await Promise.all(Array.from({ length: 20 }, () => vault.accessToken({ provider: 'corp', flow: 'm2m' })));
    assert.equal(new Set(burst).size, 1, 'every caller got the same token');
    assert.equal((oauth.grants.client_credentials ?? 0) - before, 1, 'twenty concurrent callers caused one token request');
    const whoami = (await (await fetch(`${oauth.url}/whoami`, { headers: { authorization: `Bearer ${burst[0]}` } })).json()) as { sub: string; scope: string };
    assert.deepEqual(whoami, { sub: CLIENT.id, scope: 'api/read' });
    now += 58 * 60_000;
    assert.equal(await vault.accessToken({ provider: 'corp', flow: 'm2m' }), burst[0], 'cached while more than a minute is left');
    now += 90_000;
    const fresh = await vault.accessToken({ provider: 'corp', flow: 'm2m' });
    assert.notEqual(fresh, burst[0], 'refreshed in the last minute before expiry');
    assert.equal((oauth.grants.client_credentials ?? 0) - before, 2);
    await vault.accessToken({ provider: 'corp', flow: 'm2m', scopes: ['api/write'] });
    assert.equal((oauth.grants.client_credentials ?? 0) - before, 3, 'other scopes are another cache entry');
  });

  it("names the issuer's refusal without showing the secret", async () => {
    await platform.vault.createProvider(oauthProvider(oauth, { name: 'wrong', clientSecret: 'not-the-secret', clientAuth: 'client_secret_post' }));
    await assert.rejects(platform.vault.accessToken({ provider: 'wrong', flow: 'm2m' }), (error: VaultError) => {
      assert.equal(error.code, 'upstream');
      assert.equal(
        error.message,
        `the token endpoint of credential "wrong" (${oauth.url}/token) refused the client_credentials grant: invalid_client (client authentication failed)`,
      );
      return true;
    });
  });

  it('federates a user: consent URL with PKCE and state, callback stores the tokens sealed, a used link or a refusal grants nothing', async () => {
    let consentUrl = '';
    await assert.rejects(platform.vault.accessToken({ provider: 'corp', flow: 'user', userId: 'alice' }), (error: VaultError) => {
      assert.equal(error.code, 'consent_required');
      assert.equal(error.message, 'user "alice" has not granted access to credential "corp" yet: open the authorization URL, then retry');
      consentUrl = error.authorizationUrl ?? '';
      return true;
    });
    const params = new URL(consentUrl).searchParams;
    assert.equal(params.get('redirect_uri'), `${platform.url}/identity/vault/callback`);
    assert.equal(params.get('code_challenge_method'), 'S256');
    assert.match(params.get('state') ?? '', /^[A-Za-z0-9_-]{43}$/);
    const { status, page, callbackUrl } = await consent(consentUrl, 'alice');
    assert.equal(status, 200);
    assert.match(page, /Access granted/);
    const token = await platform.vault.accessToken({ provider: 'corp', flow: 'user', userId: 'alice' });
    assert.equal(((await (await fetch(`${oauth.url}/whoami`, { headers: { authorization: `Bearer ${token}` } })).json()) as { sub: string }).sub, 'alice');
    const row = await platform.store.sql.get<{ tokens: string }>('SELECT tokens FROM vault_user_tokens WHERE provider = ? AND user_id = ?', ['corp', 'alice']);
    assert.match(row?.tokens ?? '', /^v1\./);
    assert.ok(!(row?.tokens ?? '').includes(token));
    const again = await fetch(callbackUrl);
    assert.equal(again.status, 404);
    assert.match(await again.text(), /this authorization link is unknown or was already used; ask for a new one/);
    const declined = new URL(await platform.vault.authorize({ provider: 'corp', userId: 'dave' }));
    const refused = await fetch(`${platform.url}/identity/vault/callback?error=access_denied&state=${declined.searchParams.get('state') ?? ''}`);
    assert.equal(refused.status, 403);
    assert.match(await refused.text(), /Access not granted.*access to credential &quot;corp&quot; was not granted \(access_denied\)/s);
    const approved = await fetch(await platform.vault.authorize({ provider: 'corp', userId: 'mallory' }), {
      headers: { 'x-test-user': 'mallory' },
      redirect: 'manual',
    });
    const mixedUp = new URL(approved.headers.get('location') ?? '');
    mixedUp.searchParams.set('iss', 'http://127.0.0.1:1/other-issuer');
    const mixUp = await fetch(mixedUp);
    assert.equal(mixUp.status, 403, 'RFC 9207: a response naming another issuer is refused before the code is used');
    assert.match(
      await mixUp.text(),
      /the authorization response comes from issuer http:\/\/127\.0\.0\.1:1\/other-issuer, not from http:\/\/127\.0\.0\.1:\d+ of credential &quot;corp&quot;/,
    );
  });

  it("refreshes an expired user token with the stored refresh token, and follows the issuer's rotation", async () => {
    let now = Date.now() + 2 * 3600_000;
    const masterKey = await loadMasterKey(platform.dataDir);
    const later = new Vault(platform.store, { masterKey, callbackUrl: () => `${platform.url}/identity/vault/callback`, now: () => now });
    const before = oauth.grants.refresh_token ?? 0;
    const first = await later.accessToken({ provider: 'corp', flow: 'user', userId: 'alice' });
    assert.equal((oauth.grants.refresh_token ?? 0) - before, 1);
    now += 2 * 3600_000;
    const evenLater = new Vault(platform.store, { masterKey, callbackUrl: () => '', now: () => now });
    const second = await evenLater.accessToken({ provider: 'corp', flow: 'user', userId: 'alice' });
    assert.notEqual(second, first);
    assert.equal((oauth.grants.refresh_token ?? 0) - before, 2, 'the rotated refresh token was stored and used (the old one would be refused as reused)');
  });

  it("gets client-credentials tokens from Toolport's own Identity by discovery, and they open a jwt runtime", async () => {
    assert.equal((await api(platform, 'POST', '/api/identity/resource-servers', { identifier: 'gateway', scopes: ['read', 'write'] })).status, 201);
    const client = await api(platform, 'POST', '/api/identity/clients', { clientId: 'vault-m2m', grants: ['client_credentials'], scopes: ['gateway/read'] });
    assert.equal(client.status, 201);
    const discoveryUrl = `${platform.url}/identity/.well-known/openid-configuration`;
    await platform.vault.createProvider({
      name: 'toolport-m2m',
      type: 'oauth2',
      discoveryUrl,
      clientId: 'vault-m2m',
      clientSecret: client.body.secret,
      scopes: ['gateway/read'],
    });
    await platform.control.createRuntime('protected', {
      command: GREET_COMMAND,
      sessions: { warmPool: 0 },
      auth: { jwt: { discoveryUrl, allowedClients: ['vault-m2m'], allowedScopes: ['gateway/read'] } },
    });
    const token = await platform.vault.accessToken({ provider: 'toolport-m2m', flow: 'm2m' });
    const mcp = new Client({ name: 'vault-token', version: '1' });
    const transport = new StreamableHTTPClientTransport(invocationUrl(platform, 'protected'), {
      requestInit: { headers: { authorization: `Bearer ${token}` } },
    });
    await mcp.connect(transport);
    assert.equal(textOf(await mcp.callTool({ name: 'greet_user', arguments: { name: 'Vault' } })), 'Hello, Vault! Nice to meet you. This is a test message.');
    await transport.terminateSession();
    await mcp.close();
  });

  it('gives gateway targets outbound credentials as headers or query parameters', async () => {
    const bearer = platform.vault.outboundCredentials({ provider: 'corp', in: 'header' });
    assert.match((await bearer.headers()).authorization ?? '', /^Bearer [0-9a-f]{32}$/);
    assert.deepEqual(await bearer.query(), {});
    assert.deepEqual(await platform.vault.outboundCredentials({ provider: 'search', in: 'header', name: 'X-Api-Key' }).headers(), {
      'x-api-key': 'sk-test-0123456789',
    });
    assert.deepEqual(await platform.vault.outboundCredentials({ provider: 'search', in: 'query' }).query(), { api_key: 'sk-test-0123456789' });
    assert.match((await platform.vault.outboundCredentials({ provider: 'corp', in: 'query' }).query()).access_token ?? '', /^[0-9a-f]{32}$/);
  });

  it('lets tools in a runtime worker use the credentials granted to their runtime, over the workload endpoint', async () => {
    await api(platform, 'DELETE', '/api/credentials/providers/corp');
    assert.equal((await api(platform, 'POST', '/api/credentials/providers', oauthProvider(oauth, { runtimes: ['tooled', 'guarded-tools'] }))).status, 201);
    // The tools call the test's upstream on loopback, which a sandbox reaches only on the host's network.
    await platform.control.createRuntime('tooled', {
      module: 'test/fixtures/vault-tools.ts',
      env: { UPSTREAM_URL: oauth.url },
      sandbox: { network: 'host' },
      sessions: { warmPool: 0 },
    });
    await platform.control.createRuntime('plain', { module: 'test/fixtures/vault-tools.ts', sessions: { warmPool: 0 } });
    const { client, transport } = await connectRuntime(platform, 'tooled');
    try {
      const machine = JSON.parse(textOf(await client.callTool({ name: 'upstream_whoami', arguments: { provider: 'corp', flow: 'm2m' } }))) as { sub: string };
      assert.equal(machine.sub, CLIENT.id);
      const user = JSON.parse(textOf(await client.callTool({ name: 'upstream_whoami', arguments: { provider: 'corp', flow: 'user', userId: 'bob' } }))) as {
        code: string;
        authorizationUrl: string;
      };
      assert.equal(user.code, 'consent_required');
      assert.equal((await consent(user.authorizationUrl, 'bob')).status, 200);
      const bob = JSON.parse(textOf(await client.callTool({ name: 'upstream_whoami', arguments: { provider: 'corp', flow: 'user', userId: 'bob' } }))) as {
        sub: string;
      };
      assert.equal(bob.sub, 'bob');
      const forbidden = JSON.parse(textOf(await client.callTool({ name: 'api_key_length', arguments: { provider: 'search' } }))) as {
        code: string;
        message: string;
      };
      assert.deepEqual(forbidden, {
        code: 'forbidden',
        message: 'runtime "tooled" may not use credential "search"; add it to the credential\'s runtimes list',
      });
    } finally {
      await transport.terminateSession();
      await client.close();
    }
    const plain = await connectRuntime(platform, 'plain');
    try {
      const refused = JSON.parse(textOf(await plain.client.callTool({ name: 'api_key_length', arguments: { provider: 'search' } }))) as { code: string };
      assert.equal(refused.code, 'no_vault', 'a runtime no credential grants gets no workload token at all');
    } finally {
      await plain.transport.terminateSession();
      await plain.client.close();
    }
    const unauthenticated = await fetch(`${platform.url}/api/credentials/providers`);
    assert.equal(unauthenticated.status, 401, 'the control-plane routes need the admin token');
  });

  it("in an authenticated runtime, a tool's user tokens are its caller's and nobody else's", async () => {
    const issuer = await startTestIssuer();
    try {
      await platform.control.createRuntime('guarded-tools', {
        module: 'test/fixtures/vault-tools.ts',
        env: { UPSTREAM_URL: oauth.url },
        sandbox: { network: 'host' },
        sessions: { warmPool: 0 },
        auth: { jwt: { discoveryUrl: issuer.discoveryUrl, allowedAudiences: ['vault-test'] } },
      });
      const token = await issuer.mint({ sub: 'alice', aud: 'vault-test' });
      const client = new Client({ name: 'alice', version: '1' });
      const transport = new StreamableHTTPClientTransport(invocationUrl(platform, 'guarded-tools'), {
        requestInit: { headers: { authorization: `Bearer ${token}` } },
      });
      await client.connect(transport);
      try {
        const call = async (args: Record<string, unknown>): Promise<Record<string, string>> =>
          JSON.parse(textOf(await client.callTool({ name: 'upstream_whoami', arguments: { provider: 'corp', flow: 'user', ...args } }))) as Record<
            string,
            string
          >;
        const first = await call({});
        assert.equal(first.code, 'consent_required', 'no userId given: the vault acts for the caller, alice');
        assert.equal((await consent(first.authorizationUrl ?? '', 'alice')).status, 200);
        assert.equal((await call({})).sub, 'alice');
        assert.deepEqual(await call({ userId: 'bob' }), {
          code: 'forbidden',
          message: 'this session acts for its caller "alice" only; it cannot ask for the tokens of "bob"',
        });
      } finally {
        await transport.terminateSession();
        await client.close();
      }
    } finally {
      await issuer.close();
    }
  });

  it("a worker is known by the credential written at spawn, not by a pid it reports: bob's worker cannot get alice's token", async () => {
    const issuer = await startTestIssuer();
    const open = async (user: string) => {
      const client = new Client({ name: user, version: '1' });
      const token = await issuer.mint({ sub: user, aud: 'vault-test' });
      const transport = new StreamableHTTPClientTransport(invocationUrl(platform, 'guarded-tools'), {
        requestInit: { headers: { authorization: `Bearer ${token}` } },
      });
      await client.connect(transport);
      return { client, transport };
    };
    const sessions: { client: Client; transport: StreamableHTTPClientTransport }[] = [];
    try {
      await platform.control.updateRuntime('guarded-tools', {
        module: 'test/fixtures/vault-tools.ts',
        env: { UPSTREAM_URL: oauth.url },
        sandbox: { network: 'host' },
        sessions: { warmPool: 0 },
        auth: { jwt: { discoveryUrl: issuer.discoveryUrl, allowedAudiences: ['vault-test'] } },
      });
      const alice = await open('alice');
      sessions.push(alice);
      const aliceUser = JSON.parse(textOf(await alice.client.callTool({ name: 'upstream_whoami', arguments: { provider: 'corp', flow: 'user' } }))) as Record<
        string,
        string
      >;
      if (aliceUser.code === 'consent_required') assert.equal((await consent(aliceUser.authorizationUrl ?? '', 'alice')).status, 200);
      const alicePid = textOf(await alice.client.callTool({ name: 'worker_pid', arguments: {} }));
      const bob = await open('bob');
      sessions.push(bob);
      const asBob = async (
        headers: Record<string, string>,
        body: Record<string, string>,
      ): Promise<{ status: number; body: { accessToken?: string; error?: { code: string; message: string } } }> =>
        JSON.parse(textOf(await bob.client.callTool({ name: 'raw_token_request', arguments: { headers, body } }))) as {
          status: number;
          body: { accessToken?: string };
        };
      const forAlice = { provider: 'corp', flow: 'user', userId: 'alice' };
      const games: [string, Record<string, string>][] = [
        ['no worker header at all', {}],
        ["alice's worker pid", { 'x-toolport-worker-pid': alicePid }],
        ["alice's worker pid and its parent", { 'x-toolport-worker-pid': `${alicePid},${process.pid}` }],
        ['a made-up credential', { 'x-toolport-worker-credential': 'made-up' }],
      ];
      for (const [what, headers] of games) {
        const answer = await asBob(headers, forAlice);
        assert.equal(answer.status, 403, `${what}: refused`);
        assert.equal(answer.body.accessToken, undefined, `${what}: no token`);
        assert.match(answer.body.error?.message ?? '', /known by the credential in its HOME/, what);
        assert.equal((await asBob(headers, { provider: 'corp', flow: 'user' })).status, 403, `${what}, no userId: an unknown caller gets no user token`);
      }
      assert.equal((await asBob({}, { provider: 'corp', flow: 'm2m' })).status, 200, 'machine tokens need only the workload token');
      const bobOwn = JSON.parse(
        textOf(await bob.client.callTool({ name: 'upstream_whoami', arguments: { provider: 'corp', flow: 'user', userId: 'alice' } })),
      ) as Record<string, string>;
      assert.equal(bobOwn.code, 'forbidden', "with its own credential, bob's worker still acts for bob only");
      assert.equal(
        (JSON.parse(textOf(await alice.client.callTool({ name: 'upstream_whoami', arguments: { provider: 'corp', flow: 'user' } }))) as Record<string, string>)
          .sub,
        'alice',
      );
    } finally {
      for (const { client, transport } of sessions) {
        await transport.terminateSession();
        await client.close();
      }
      await issuer.close();
    }
  });
});

describe("user federation with Toolport's own Identity (login page in headless Chromium)", () => {
  let platform: Platform;
  let browser: Browser;
  before(async () => {
    platform = await testPlatform();
    browser = await launchBrowser();
  });
  after(() =>
    closeAll(
      () => browser?.close(),
      () => platform?.stop(),
    ),
  );

  it("stores the user's consent after the issuer's login and consent pages, and refreshes it later", async () => {
    const erin = await api(platform, 'POST', '/api/identity/users', { username: 'erin', password: 'ErinPassword123!' });
    assert.equal(erin.status, 201);
    assert.equal((await api(platform, 'POST', '/api/identity/resource-servers', { identifier: 'gateway', scopes: ['read'] })).status, 201);
    const client = await api(platform, 'POST', '/api/identity/clients', {
      clientId: 'vault-web',
      secret: true,
      grants: ['authorization_code', 'refresh_token'],
      scopes: ['gateway/read'],
      redirectUris: [`${platform.url}/identity/vault/callback`],
    });
    assert.equal(client.status, 201);
    const discoveryUrl = `${platform.url}/identity/.well-known/openid-configuration`;
    await platform.vault.createProvider({
      name: 'idp',
      type: 'oauth2',
      discoveryUrl,
      clientId: 'vault-web',
      clientSecret: client.body.secret,
      scopes: ['openid', 'offline_access', 'gateway/read'],
    });
    const consentUrl = await platform.vault.authorize({ provider: 'idp', userId: 'erin' });
    const page = await browser.newPage();
    try {
      await page.goto(consentUrl);
      await page.fill('#username', 'erin');
      await page.fill('#password', 'ErinPassword123!');
      await page.click('#sign-in');
      const landed = page.waitForURL((url) => url.pathname === '/identity/vault/callback', { timeout: 15_000 });
      if (await Promise.race([landed.then(() => false), page.waitForSelector('#allow', { timeout: 15_000 }).then(() => true)])) await page.click('#allow');
      await landed;
      assert.match(await page.content(), /Access granted/);
    } finally {
      await page.close();
    }
    const claims = (token: string): Record<string, unknown> =>
      JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString()) as Record<string, unknown>;
    const token = await platform.vault.accessToken({ provider: 'idp', flow: 'user', userId: 'erin' });
    assert.deepEqual(
      [claims(token).sub, claims(token).client_id],
      [erin.body.sub, 'vault-web'],
      "the token speaks for erin (her subject id) through the vault's client",
    );
    const later = new Vault(platform.store, { masterKey: await loadMasterKey(platform.dataDir), callbackUrl: () => '', now: () => Date.now() + 24 * 3600_000 });
    const refreshed = await later.accessToken({ provider: 'idp', flow: 'user', userId: 'erin' });
    assert.notEqual(refreshed, token, 'a day later the stored refresh token got a new access token');
    assert.equal(claims(refreshed).sub, erin.body.sub);
  });
});

describe('vault entries survive a restart', () => {
  const schema = `toolport_vault_${randomBytes(4).toString('hex')}`;
  let oauth: Awaited<ReturnType<typeof startOAuthServer>>;
  before(async () => {
    oauth = await startOAuthServer();
  });
  after(async () => {
    await oauth?.close();
    const client = new pg.Client(PG_ADMIN);
    await client.connect();
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await client.end();
  });

  it('refuses to start when a credential in toolport.yaml names an unset env secret, naming the entry', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'toolport-vault-'));
    const config = join(dataDir, 'toolport.yaml');
    await writeFile(config, 'credentials:\n  - { name: search, type: apiKey, apiKey: env:VAULT_TEST_NEVER_SET }\n');
    try {
      await assert.rejects(testPlatform({ dataDir, config }), {
        name: 'Error',
        message: 'credentials[0]: credential "search" takes its secret from env:VAULT_TEST_NEVER_SET, which is not set in Toolport\'s environment',
      });
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  for (const backend of ['sqlite', 'postgres'] as const) {
    it(`keeps credentials from toolport.yaml, users' consents and access keys on ${backend}, with the master key file at 0600`, async () => {
      const dataDir = await mkdtemp(join(tmpdir(), 'toolport-vault-'));
      const config = join(dataDir, 'toolport.yaml');
      await writeFile(
        config,
        [
          'credentials:',
          '  - { name: search, type: apiKey, apiKey: env:VAULT_RESTART_KEY }',
          `  - { name: corp, type: oauth2, discoveryUrl: "${oauth.discoveryUrl}", clientId: ${CLIENT.id}, clientSecret: env:VAULT_RESTART_SECRET, scopes: [api/read] }`,
        ].join('\n'),
      );
      process.env.VAULT_RESTART_KEY = 'sk-restart';
      process.env.VAULT_RESTART_SECRET = CLIENT.secret;
      const store = backend === 'postgres' ? `${PG_ADMIN}?schema=${schema}` : undefined;
      try {
        const first = await testPlatform({ dataDir, config, ...(store ? { store } : {}) });
        assert.equal((await stat(join(dataDir, 'master.key'))).mode & 0o777, 0o600);
        const consentUrl = await first.vault.authorize({ provider: 'corp', userId: 'carol' });
        assert.equal((await consent(consentUrl, 'carol')).status, 200);
        const carolToken = await first.vault.accessToken({ provider: 'corp', flow: 'user', userId: 'carol' });
        const accessKey = await first.accessKeys.create({ owner: 'carol' });
        await first.stop();

        delete process.env.VAULT_RESTART_KEY;
        delete process.env.VAULT_RESTART_SECRET;
        const second = await testPlatform({ dataDir, ...(store ? { store } : {}) });
        assert.equal(second.store.kind, backend);
        assert.deepEqual(
          (await second.vault.listProviders()).map((p) => p.name),
          ['corp', 'search'],
        );
        assert.equal(await second.vault.apiKey('search'), 'sk-restart', 'the secret resolved at the first start was kept, sealed');
        assert.equal(
          await second.vault.accessToken({ provider: 'corp', flow: 'user', userId: 'carol' }),
          carolToken,
          "carol's stored token is still hers after the restart",
        );
        assert.match(await second.vault.accessToken({ provider: 'corp', flow: 'm2m' }), /^[0-9a-f]{32}$/);
        assert.deepEqual(
          await second.accessKeys.secretOf(accessKey.accessKeyId),
          { secretAccessKey: accessKey.secretAccessKey, owner: 'carol' },
          'SigV4 access keys are kept too',
        );
        await second.stop();
      } finally {
        await rm(dataDir, { recursive: true, force: true });
      }
    });
  }
});

describe('toolport identity credential / access-key', () => {
  let platform: Platform;
  before(async () => {
    platform = await testPlatform();
  });
  after(async () => {
    await platform.stop();
  });
  const cli = (...args: string[]): ReturnType<typeof toolport> => toolport([...args, '--server', platform.url, '--token', platform.adminToken]);

  it('creates, lists (without secrets) and deletes credentials', async () => {
    // Independent invocations run side by side: each is a process start.
    const [created, oauthCreated, invalid] = await Promise.all([
      cli('identity', 'credential', 'create', 'weather', '--type', 'apiKey', '--api-key', 'wk-secret-value', '--runtime', 'greet', '--json'),
      cli(
        'identity',
        'credential',
        'create',
        'corp',
        '--type',
        'oauth2',
        '--token-url',
        'http://127.0.0.1:1/token',
        '--client-id',
        'c1',
        '--client-secret',
        'cs-secret-value',
        '--scope',
        'a/read',
        '--scope',
        'a/write',
      ),
      cli('identity', 'credential', 'create', 'broken', '--type', 'oauth2', '--client-id', 'c1'),
    ]);
    assert.equal(created.code, 0, created.stderr);
    assert.equal((JSON.parse(created.stdout) as { name: string }).name, 'weather');
    assert.equal(oauthCreated.code, 0, oauthCreated.stderr);
    assert.equal(oauthCreated.stdout, 'Stored oauth2 credential corp (secret encrypted at rest)\n');
    assert.equal(invalid.code, 1);
    assert.match(invalid.stderr, /tokenUrl: give discoveryUrl or tokenUrl/);
    const [table, listed] = await Promise.all([cli('identity', 'credential', 'list'), cli('identity', 'credential', 'list', '--json')]);
    assert.equal(table.code, 0, table.stderr);
    assert.match(table.stdout, /^NAME\s+TYPE\s+CLIENTID\s+ISSUER\s+SCOPES\s+RUNTIMES\s+SECRET\n/);
    assert.match(table.stdout, /corp\s+oauth2\s+c1\s+http:\/\/127\.0\.0\.1:1\/token\s+a\/read a\/write\s+stored/);
    assert.deepEqual(
      (JSON.parse(listed.stdout) as { name: string }[]).map((c) => c.name),
      ['corp', 'weather'],
    );
    for (const output of [table.stdout, listed.stdout]) assert.ok(!output.includes('wk-secret-value') && !output.includes('cs-secret-value'));
    assert.equal((await cli('identity', 'credential', 'delete', 'weather')).stdout, 'Deleted credential weather\n');
    const missing = await cli('identity', 'credential', 'delete', 'weather');
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /404 .*no credential named "weather"/);
  });

  it('issues access keys whose secret is shown once, lists them without it, and revokes them', async () => {
    const created = await cli('identity', 'access-key', 'create', '--owner', 'ci-bot', '--description', 'pipeline');
    assert.equal(created.code, 0, created.stderr);
    const id = /aws_access_key_id\s+= (TPAK[A-Z2-7]{16})/.exec(created.stdout)?.[1] ?? '';
    const secret = /aws_secret_access_key = (\S{40})/.exec(created.stdout)?.[1] ?? '';
    assert.ok(id && secret, created.stdout);
    const [listed, table] = await Promise.all([cli('identity', 'access-key', 'list', '--json'), cli('identity', 'access-key', 'list')]);
    assert.deepEqual(
      (JSON.parse(listed.stdout) as { accessKeyId: string; owner: string }[]).map((k) => [k.accessKeyId, k.owner]),
      [[id, 'ci-bot']],
    );
    assert.match(table.stdout, new RegExp(`${id}\\s+ci-bot\\s+pipeline`));
    for (const output of [listed.stdout, table.stdout]) assert.ok(!output.includes(secret), 'the secret is never listed');
    assert.equal((await platform.accessKeys.secretOf(id))?.secretAccessKey, secret);
    assert.equal((await cli('identity', 'access-key', 'delete', id, '--json')).stdout, `${JSON.stringify({ deleted: id }, null, 2)}\n`);
    assert.equal(await platform.accessKeys.secretOf(id), undefined);
  });
});
