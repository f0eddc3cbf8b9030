// Every auth mode of the client against Toolport's own Identity (oidc-provider at /identity, Cognito-compatible
// InitiateAuth at /identity/cognito) and JWT-protected runtimes, over real HTTP; browser sign-ins in headless Chromium.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import type { FetchLike } from '@modelcontextprotocol/client';
import { connect, TokenCache, type AuthOptions, type ConnectOptions } from '../../src/client/index.js';
import { GREET_COMMAND, testPlatform, textOf } from '../helpers/platform.js';
import { launchBrowser, signInWithBrowser } from '../helpers/browser.js';
import { Teardown } from '../helpers/teardown.js';
import { identityApi } from '../identity/server-helpers.js';

type Platform = Awaited<ReturnType<typeof testPlatform>>;

describe('client auth modes against Toolport Identity', () => {
  let platform: Platform;
  let browser: Browser;
  let issuer: string;
  let discoveryUrl: string;
  let m2mSecret: string;
  let quickSecret: string;
  let cacheDir: string;
  const tokenRequests: string[] = [];
  /** Counts token-endpoint calls (the cache and renewal are judged by them). */
  const countingFetch: FetchLike = (input, init) => {
    const url = String(input);
    if (url.endsWith('/token')) tokenRequests.push(String(new URLSearchParams(String(init?.body ?? '')).get('grant_type')));
    return fetch(input, init);
  };

  const teardown = new Teardown();
  before(() =>
    teardown.setup(async () => {
      cacheDir = await mkdtemp(join(tmpdir(), 'toolport-tokens-'));
      teardown.add(() => rm(cacheDir, { recursive: true, force: true }));
      platform = await testPlatform();
      teardown.add(() => platform.stop());
      issuer = `${platform.url}/identity`;
      discoveryUrl = `${issuer}/.well-known/openid-configuration`;
      assert.equal((await identityApi(platform, 'POST', '/resource-servers', { identifier: 'gateway', scopes: ['read', 'write'] })).status, 201);
      assert.equal((await identityApi(platform, 'POST', '/users', { username: 'alice', password: 'wonderland-1' })).status, 201);
      m2mSecret = (await identityApi(platform, 'POST', '/clients', { clientId: 'm2m', grants: ['client_credentials'], scopes: ['gateway/read'] })).body
        .secret as string;
      quickSecret = (
        await identityApi(platform, 'POST', '/clients', { clientId: 'quick', grants: ['password', 'refresh_token'], secret: true, scopes: ['gateway/read'] })
      ).body.secret as string;
      await identityApi(platform, 'POST', '/clients', {
        clientId: 'cli',
        grants: ['authorization_code', 'refresh_token'],
        secret: false,
        scopes: ['gateway/read'],
        redirectUris: ['http://127.0.0.1/callback'],
      });
      const sessions = { warmPool: 0 };
      await platform.control.createRuntime('secure', {
        command: GREET_COMMAND,
        sessions,
        auth: { jwt: { discoveryUrl, allowedClients: ['m2m', 'quick', 'cli'] } },
      });
      await platform.control.createRuntime('others', { command: GREET_COMMAND, sessions, auth: { jwt: { discoveryUrl, allowedClients: ['someone-else'] } } });
      await platform.control.createRuntime('spec', {
        command: GREET_COMMAND,
        sessions,
        auth: { jwt: { discoveryUrl, allowedAudiences: [`${platform.url}/runtimes/spec/invocations`], allowedScopes: ['gateway/read'] } },
      });
      browser = await launchBrowser();
      teardown.add(() => browser.close());
    }),
  );
  after(() => teardown.run());

  const cache = (): TokenCache => new TokenCache(cacheDir);
  const open = (auth: Omit<AuthOptions, 'cache' | 'fetch'>, extra: Partial<ConnectOptions> = {}) =>
    connect({ target: 'runtime:secure', server: platform.url, auth: { ...auth, cache: cache(), fetch: countingFetch }, ...extra });
  const greet = async (connection: Awaited<ReturnType<typeof connect>>, name: string): Promise<string> => {
    try {
      return textOf(await connection.client.callTool({ name: 'greet_user', arguments: { name } }));
    } finally {
      await connection.close();
    }
  };

  it('m2m: client credentials by discovery URL, cached in a 0600 file and reused', async () => {
    tokenRequests.length = 0;
    const auth = { mode: 'm2m', discoveryUrl, clientId: 'm2m', clientSecret: m2mSecret, scope: 'gateway/read' } as const;
    assert.match(await greet(await open(auth), 'M2M'), /Hello, M2M!/);
    assert.match(await greet(await open(auth), 'again'), /Hello, again!/);
    assert.deepEqual(tokenRequests, ['client_credentials'], 'the second connection used the cached token');
    const [file] = await readdir(cacheDir);
    assert.equal((await stat(join(cacheDir, file as string))).mode & 0o777, 0o600);
    assert.equal((await stat(cacheDir)).mode & 0o777, 0o700);
    const stored = JSON.parse(await readFile(join(cacheDir, file as string), 'utf8')) as { issuer: string; clientId: string };
    assert.deepEqual([stored.issuer, stored.clientId], [issuer, 'm2m']);

    // Another scope set is another cache entry; the token URL works without discovery.
    assert.match(await greet(await open({ mode: 'm2m', tokenUrl: `${issuer}/token`, clientId: 'm2m', clientSecret: m2mSecret }), 'by URL'), /Hello, by URL!/);
    assert.equal((await readdir(cacheDir)).length, 2);
  });

  it('m2m: a token refused with 401 is renewed once, and a refused secret names the issuer and the fix', async () => {
    const auth = { mode: 'm2m', discoveryUrl, clientId: 'm2m', clientSecret: m2mSecret, scope: 'gateway/read' } as const;
    const key = TokenCache.key({ issuer: discoveryUrl.replace('/.well-known/openid-configuration', ''), clientId: 'm2m', scope: 'gateway/read' });
    // A cached token the runtime refuses (not signed by the issuer), though it has not expired.
    await cache().save(key, { accessToken: 'eyJhbGciOiJub25lIn0.e30.', issuer, clientId: 'm2m', expiresAt: Date.now() + 3_600_000 });
    tokenRequests.length = 0;
    assert.match(await greet(await open(auth), 'renewed'), /Hello, renewed!/);
    assert.deepEqual(tokenRequests, ['client_credentials'], 'one renewal after the 401');

    // A runtime that refuses this client even with a fresh token: one renewal, then an error that says what to do.
    tokenRequests.length = 0;
    await assert.rejects(
      open(auth, { target: 'runtime:others' }),
      /^Error: 401 from .*a renewed token from .*\/identity was refused too: run `toolport login runtime:others --auth m2m \.\.\.`/,
    );
    assert.ok(tokenRequests.length <= 1, `at most one renewal, saw ${tokenRequests.length}`);

    await assert.rejects(open({ ...auth, clientSecret: 'wrong', scope: 'gateway/write' }), (error: Error) => {
      assert.match(
        error.message,
        new RegExp(`client credentials refused by issuer ${issuer} \\(invalid_client.*check --client-id, --client-secret and --scope`),
      );
      return true;
    });
  });

  it('password: Cognito InitiateAuth with SECRET_HASH through the AWS SDK, then REFRESH_TOKEN_AUTH when it expires', async () => {
    tokenRequests.length = 0;
    const auth = {
      mode: 'password',
      discoveryUrl,
      cognitoEndpoint: `${issuer}/cognito`,
      clientId: 'quick',
      clientSecret: quickSecret,
      username: 'alice',
      password: 'wonderland-1',
    } as const;
    assert.match(await greet(await open(auth), 'Alice'), /Hello, Alice!/);
    const later = Date.now() + 2 * 3_600_000;
    assert.match(await greet(await open({ ...auth, password: 'not used: the refresh token is', now: () => later }), 'later'), /Hello, later!/);
    // Without the cache, a wrong password reaches Cognito's check.
    await assert.rejects(
      connect({ target: 'runtime:secure', server: platform.url, auth: { ...auth, password: 'wrong', cache: false } }),
      /Cognito sign-in refused by .*NotAuthorizedException.*check --username\/--password/,
    );
  });

  it('oauth: authorization code + PKCE in the browser, the loopback server catches the code; refresh rotates when the token expires', async () => {
    tokenRequests.length = 0;
    const signIns: Promise<void>[] = [];
    const auth: Omit<AuthOptions, 'cache' | 'fetch'> = {
      mode: 'oauth',
      discoveryUrl,
      clientId: 'cli',
      scope: 'gateway/read',
      openBrowser: false,
      onAuthorizationUrl: (url) => {
        assert.equal(url.searchParams.get('code_challenge_method'), 'S256');
        assert.match(url.searchParams.get('redirect_uri') ?? '', /^http:\/\/127\.0\.0\.1:\d+\/callback$/);
        signIns.push(signInWithBrowser(browser, url));
      },
    };
    assert.match(await greet(await open(auth), 'Browser'), /Hello, Browser!/);
    await Promise.all(signIns);
    assert.equal(signIns.length, 1);
    assert.deepEqual(tokenRequests, ['authorization_code']);
    const entry = async () => {
      const files = await readdir(cacheDir);
      const all = await Promise.all(
        files.map(async (f) => JSON.parse(await readFile(join(cacheDir, f), 'utf8')) as { clientId: string; refreshToken?: string }),
      );
      return all.find((e) => e.clientId === 'cli');
    };
    const first = await entry();
    assert.ok(first?.refreshToken);

    // Two hours on, the access token has expired: the refresh grant renews it (rotating the refresh token), no browser.
    const later = Date.now() + 2 * 3_600_000;
    assert.match(await greet(await open({ ...auth, now: () => later }), 'refreshed'), /Hello, refreshed!/);
    assert.deepEqual(tokenRequests, ['authorization_code', 'refresh_token']);
    assert.equal(signIns.length, 1);
    assert.notEqual((await entry())?.refreshToken, first.refreshToken, 'the issuer rotated the refresh token');
  });

  it('mcp: 401 → protected-resource metadata → issuer metadata → PKCE in the browser, audience = the runtime; cached after', async () => {
    let authorizationUrl: URL | undefined;
    const mcpAuth = (onAuthorizationUrl: (url: URL) => void): AuthOptions => ({
      mode: 'mcp',
      clientId: 'cli',
      cache: cache(),
      openBrowser: false,
      onAuthorizationUrl,
    });
    const connection = await connect({
      target: 'runtime:spec',
      server: platform.url,
      auth: mcpAuth((url) => {
        authorizationUrl = url;
        void signInWithBrowser(browser, url);
      }),
    });
    assert.match(await greet(connection, 'Spec'), /Hello, Spec!/);
    assert.ok(authorizationUrl);
    assert.equal(authorizationUrl.origin + authorizationUrl.pathname, `${issuer}/auth`, "the issuer named by the runtime's RFC 9728 metadata");
    assert.equal(authorizationUrl.searchParams.get('resource'), `${platform.url}/runtimes/spec/invocations`);
    assert.match(authorizationUrl.searchParams.get('scope') ?? '', /gateway\/read/, 'the scope the protected-resource metadata names');

    // Tokens and discovery are cached: the next connection needs no browser.
    authorizationUrl = undefined;
    assert.match(
      await greet(await connect({ target: 'runtime:spec', server: platform.url, auth: mcpAuth((url) => (authorizationUrl = url)) }), 'cached'),
      /Hello, cached!/,
    );
    assert.equal(authorizationUrl, undefined);
  });

  it('mcp: a client without an id registers itself (RFC 7591) before the browser sign-in', async () => {
    let authorizationUrl: URL | undefined;
    const connection = await connect({
      target: 'runtime:spec',
      server: platform.url,
      auth: {
        mode: 'mcp',
        cache: cache(),
        openBrowser: false,
        onAuthorizationUrl: (url) => {
          authorizationUrl = url;
          void signInWithBrowser(browser, url);
        },
      },
    });
    assert.match(await greet(connection, 'Registered'), /Hello, Registered!/);
    assert.ok(authorizationUrl && !['cli', null].includes(authorizationUrl.searchParams.get('client_id')));
  });

  it('bearer: a token from another mode opens the runtime; a refused one says so', async () => {
    const minted = await (await open({ mode: 'm2m', discoveryUrl, clientId: 'm2m', clientSecret: m2mSecret, scope: 'gateway/read' })).credentials?.token();
    assert.ok(minted);
    assert.match(
      await greet(await connect({ target: 'runtime:secure', server: platform.url, auth: { mode: 'bearer', token: minted } }), 'Bearer'),
      /Hello, Bearer!/,
    );
    await assert.rejects(
      connect({ target: 'runtime:secure', server: platform.url, auth: { mode: 'bearer', token: 'not-a-jwt' } }),
      /401 from .*the bearer token was refused .*pass a fresh --token/,
    );
  });
});
