// Browser sign-in against Toolport's authorization server, as an MCP client does it: dynamic registration, the login
// and consent pages in headless Chromium, authorization_code + PKCE, refresh rotation and reuse detection,
// introspection and revocation, and the refusals (unregistered redirect URI, wrong password; the rest are rows of
// security.test.ts).
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { after, before, describe, test } from 'node:test';
import type { Browser, BrowserContext } from 'playwright-core';
import { launchBrowser } from '../helpers/browser.js';
import { GREET_COMMAND, testPlatform } from '../helpers/platform.js';
import { claimsOf, identityApi, listToolsWith, pkcePair, postForm } from './server-helpers.js';
import { authorizeInBrowser } from './sign-in.js';
import { closeAll } from '../helpers/teardown.js';

type TestPlatform = Awaited<ReturnType<typeof testPlatform>>;

describe('browser sign-in with authorization_code + PKCE', () => {
  let platform: TestPlatform;
  let issuer: string;
  let resource: string;
  let browser: Browser;
  let context: BrowserContext;
  let callback: Server;
  let redirectUri: string;
  let clientId: string;

  before(async () => {
    platform = await testPlatform();
    issuer = `${platform.url}/identity`;
    resource = `${platform.url}/runtimes/guarded/invocations`;
    await identityApi(platform, 'POST', '/users', { username: 'testuser', password: 'MyPassword123!' });
    await identityApi(platform, 'POST', '/resource-servers', { identifier: 'gateway', scopes: ['read', 'write'] });
    await platform.control.createRuntime('guarded', {
      command: GREET_COMMAND,
      sessions: { warmPool: 0 },
      auth: { jwt: { discoveryUrl: `${issuer}/.well-known/openid-configuration`, allowedAudiences: [resource], allowedScopes: ['gateway/read'] } },
    });
    // The client's own loopback listener, on an ephemeral port as MCP clients bind it.
    callback = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/plain' }).end('you can close this window'));
    await new Promise<void>((resolve) => callback.listen(0, '127.0.0.1', resolve));
    redirectUri = `http://127.0.0.1:${(callback.address() as { port: number }).port}/callback`;
    browser = await launchBrowser();
    context = await browser.newContext();
  });
  after(() =>
    closeAll(
      () => context?.close(),
      () => browser?.close(),
      () => callback && new Promise((resolve) => callback.close(resolve)),
      () => platform?.stop(),
    ),
  );

  /** Opens the authorization URL in the browser; resolves to the callback URL it lands on. */
  function authorize(options: { challenge: string; signIn?: { username: string; password: string }; consent?: boolean; state?: string }): Promise<URL> {
    const url = new URL(`${issuer}/auth`);
    url.search = new URLSearchParams({
      response_type: 'code',
      client_id: clientId,
      redirect_uri: redirectUri,
      scope: 'openid gateway/read',
      resource,
      code_challenge: options.challenge,
      code_challenge_method: 'S256',
      state: options.state ?? 'state-1',
    }).toString();
    return authorizeInBrowser(context, url.href, redirectUri, { signIn: options.signIn, consent: options.consent, consentShows: /gateway\/read/ });
  }

  const exchange = (code: string, verifier: string): ReturnType<typeof postForm> =>
    postForm(`${issuer}/token`, { grant_type: 'authorization_code', code, code_verifier: verifier, redirect_uri: redirectUri, client_id: clientId, resource });
  const refresh = (refreshToken: string): ReturnType<typeof postForm> =>
    postForm(`${issuer}/token`, { grant_type: 'refresh_token', refresh_token: refreshToken, client_id: clientId });

  test('a public client registers itself (RFC 7591) with a loopback redirect on another port', async () => {
    const response = await fetch(`${issuer}/reg`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      // Registered on one port, used on another: loopback ports are ephemeral (RFC 8252 §7.3).
      body: JSON.stringify({
        client_name: 'Test MCP client',
        redirect_uris: ['http://127.0.0.1:1/callback'],
        token_endpoint_auth_method: 'none',
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
      }),
    });
    assert.equal(response.status, 201);
    const registered = (await response.json()) as { client_id: string; client_secret?: string };
    assert.equal(registered.client_secret, undefined);
    clientId = registered.client_id;
    const confidential = await fetch(`${issuer}/reg`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ redirect_uris: [redirectUri], token_endpoint_auth_method: 'client_secret_basic' }),
    });
    assert.equal(confidential.status, 400);
    assert.equal(((await confidential.json()) as { error: string }).error, 'invalid_client_metadata');
  });

  test('a wrong password is refused on the login page', async () => {
    const page = await context.newPage();
    try {
      const url = `${issuer}/auth?${new URLSearchParams({ response_type: 'code', client_id: clientId, redirect_uri: redirectUri, scope: 'openid', code_challenge: pkcePair().challenge, code_challenge_method: 'S256' })}`;
      await page.goto(url);
      await page.fill('#username', 'testuser');
      await page.fill('#password', 'not the password');
      const [response] = await Promise.all([page.waitForResponse((r) => r.request().method() === 'POST'), page.click('#sign-in')]);
      assert.equal(response.status(), 401);
      assert.match(await page.content(), /Wrong username or password/);
    } finally {
      await page.close();
    }
  });

  test('the login form refuses a post from another site, or without its token', async () => {
    const page = await context.newPage();
    try {
      await page.goto(
        `${issuer}/auth?${new URLSearchParams({ response_type: 'code', client_id: clientId, redirect_uri: redirectUri, scope: 'openid', code_challenge: pkcePair().challenge, code_challenge_method: 'S256' })}`,
      );
      const csrf = await page.inputValue('input[name=csrf]');
      const action = new URL((await page.getAttribute('form', 'action')) as string, page.url()).href;
      // The browser's own interaction cookies, so only the Origin or the token differs from a real submission.
      const cookie = (await context.cookies(action)).map((c) => `${c.name}=${c.value}`).join('; ');
      const post = (origin: string, token: string): Promise<Response> =>
        fetch(action, {
          method: 'POST',
          headers: { cookie, origin, 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({ csrf: token, username: 'testuser', password: 'MyPassword123!' }),
          redirect: 'manual',
        });
      assert.equal((await post('http://evil.example', csrf)).status, 403);
      assert.equal((await post(new URL(issuer).origin, 'forged')).status, 403);
    } finally {
      await page.close();
    }
  });

  let refreshToken = '';
  test('login + consent in the browser yields a code; the token opens the runtime it was asked for', async () => {
    const { verifier, challenge } = pkcePair();
    const landed = await authorize({ challenge, signIn: { username: 'testuser', password: 'MyPassword123!' }, consent: true, state: 'xyz' });
    assert.equal(landed.searchParams.get('state'), 'xyz');
    assert.equal(landed.searchParams.get('iss'), issuer);
    const code = landed.searchParams.get('code') as string;
    const { status, body } = await exchange(code, verifier);
    assert.equal(status, 200, JSON.stringify(body));
    const access = claimsOf(body.access_token as string);
    assert.equal(access.aud, resource);
    assert.equal(access.client_id, clientId);
    assert.equal(access.scope, 'gateway/read');
    assert.equal(access.username, 'testuser');
    assert.equal(claimsOf(body.id_token as string).preferred_username, undefined, 'profile scope was not asked for');
    assert.ok(body.refresh_token);
    refreshToken = body.refresh_token as string;
    assert.ok((await listToolsWith(platform, 'guarded', body.access_token as string)).includes('greet_user'));
  });

  test('refresh rotates the refresh token; reusing an old one revokes the whole family', async () => {
    const first = await refresh(refreshToken);
    assert.equal(first.status, 200, JSON.stringify(first.body));
    assert.notEqual(first.body.refresh_token, refreshToken);
    assert.equal(claimsOf(first.body.access_token as string).aud, resource, 'the refreshed token keeps the consented audience');
    const second = await refresh(first.body.refresh_token as string);
    assert.equal(second.status, 200);
    const reused = await refresh(refreshToken);
    assert.equal(reused.status, 400);
    assert.equal(reused.body.error, 'invalid_grant');
    const family = await refresh(second.body.refresh_token as string);
    assert.equal(family.body.error, 'invalid_grant', 'the newest token of the family is revoked too');
  });

  test('introspection and revocation of a refresh token; the signed-in browser is not asked to log in again', async () => {
    const { verifier, challenge } = pkcePair();
    // A loopback (native) client is shown the consent page on every authorization: anyone can claim its redirect URI.
    const landed = await authorize({ challenge, consent: true });
    const { body } = await exchange(landed.searchParams.get('code') as string, verifier);
    const token = body.refresh_token as string;
    const introspect = (): ReturnType<typeof postForm> => postForm(`${issuer}/token/introspection`, { token, client_id: clientId });
    const active = await introspect();
    assert.equal(active.status, 200);
    assert.equal(active.body.active, true as unknown as string);
    assert.equal(active.body.client_id, clientId);
    assert.equal(active.body.scope, 'openid gateway/read');
    const revoked = await postForm(`${issuer}/token/revocation`, { token, client_id: clientId });
    assert.equal(revoked.status, 200);
    assert.equal((await introspect()).body.active, false as unknown as string);
    assert.equal((await refresh(token)).body.error, 'invalid_grant');
  });

  test('a code is good once; replaying it revokes what it issued (RFC 6749 §4.1.2)', async () => {
    const { verifier, challenge } = pkcePair();
    const code = (await authorize({ challenge })).searchParams.get('code') as string;
    const issued = await exchange(code, verifier);
    assert.equal(issued.status, 200);
    const replay = await exchange(code, verifier);
    assert.equal(replay.status, 400);
    assert.equal(replay.body.error, 'invalid_grant');
    assert.equal((await refresh(issued.body.refresh_token as string)).body.error, 'invalid_grant');
  });

  test('denying consent sends access_denied back to the client', async () => {
    const page = await context.newPage();
    try {
      const url = `${issuer}/auth?${new URLSearchParams({ response_type: 'code', client_id: clientId, redirect_uri: redirectUri, scope: 'openid gateway/read', resource, code_challenge: pkcePair().challenge, code_challenge_method: 'S256', state: 'no' })}`;
      await page.goto(url);
      await page.click('#deny');
      await page.waitForURL((u) => u.href.startsWith(redirectUri), { timeout: 15_000 });
      const landed = new URL(page.url());
      assert.equal(landed.searchParams.get('error'), 'access_denied');
      assert.equal(landed.searchParams.get('state'), 'no');
      assert.equal(landed.searchParams.get('code'), null);
    } finally {
      await page.close();
    }
  });

  test('an unregistered redirect URI gets an error page, never a redirect; PKCE is required', async () => {
    const params = { response_type: 'code', client_id: clientId, scope: 'openid', code_challenge: pkcePair().challenge, code_challenge_method: 'S256' };
    const foreign = await fetch(`${issuer}/auth?${new URLSearchParams({ ...params, redirect_uri: 'http://evil.example/callback' })}`, { redirect: 'manual' });
    assert.equal(foreign.status, 400);
    assert.match(await foreign.text(), /redirect_uri/);
    const { code_challenge: _c, code_challenge_method: _m, ...withoutPkce } = params;
    const noPkce = await fetch(`${issuer}/auth?${new URLSearchParams({ ...withoutPkce, redirect_uri: redirectUri })}`, { redirect: 'manual' });
    assert.equal(noPkce.status, 303);
    const location = new URL(noPkce.headers.get('location') as string);
    assert.equal(location.searchParams.get('error'), 'invalid_request');
    assert.match(location.searchParams.get('error_description') ?? '', /PKCE/);
  });
});
