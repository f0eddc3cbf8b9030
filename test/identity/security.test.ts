// The security table: every bad token and bad request Identity and its inbound authorizers must refuse, each with the
// exact HTTP status and error, against one running platform (its own Identity, a JWT-protected runtime trusting it,
// one trusting a foreign issuer, and a SigV4-protected runtime). Also RFC 7662 introspection of JWT access tokens.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { createPublicKey } from 'node:crypto';
import { exportSPKI, generateKeyPair, importJWK, SignJWT, type JWK, type JWTPayload } from 'jose';
import type { Browser, BrowserContext } from 'playwright-core';
import { signRequest } from '../../src/client/sigv4.js';
import { loadMasterKey, open, type NewAccessKey } from '../../src/identity/index.js';
import { launchBrowser } from '../helpers/browser.js';
import { startTestIssuer, type TestIssuer } from '../helpers/issuer.js';
import { GREET_COMMAND, invocationUrl, testPlatform } from '../helpers/platform.js';
import { authorizeInBrowser } from './sign-in.js';
import { claimsOf, clientCredentials, identityApi, pkcePair, postForm } from './server-helpers.js';
import { closeAll } from '../helpers/teardown.js';

/** What a refusal looked like on the wire: status, error code, and the human message where there is one. */
interface Outcome {
  status: number;
  error: string;
  message?: string;
}

const INIT = {
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'security', version: '1' } },
};
const MCP_HEADERS = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
const NOT_FOR_THIS_RESOURCE = 'the token was not issued for this resource (audience or client not allowed)';
const BAD_SIGNATURE = 'the signature does not match: check the secret access key, and that the method, URL, signed headers and body are sent exactly as signed';

/** A runtime's answer: the challenge's `error` (empty when it has none) and the JSON-RPC error message. */
async function runtimeOutcome(response: Response): Promise<Outcome> {
  const challenge = response.headers.get('www-authenticate') ?? '';
  const body = (await response.json()) as { error: { message: string } };
  return { status: response.status, error: /error="([^"]+)"/.exec(challenge)?.[1] ?? '', message: body.error.message };
}

/** An OAuth endpoint's answer: RFC 6749 §5.2 `error`. */
const oauthOutcome = ({ status, body }: { status: number; body: Record<string, string> }): Outcome => ({ status, error: body.error ?? '' });

/** An authorization request the server answers by redirecting back with `error` (RFC 6749 §4.1.2.1). */
function redirectOutcome(response: Response): Outcome {
  const location = URL.parse(response.headers.get('location') ?? '');
  return { status: response.status, error: location?.searchParams.get('error') ?? '' };
}

/** base64url of JSON, to hand-assemble tokens a well-behaved library would never sign. */
const part = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');

describe('security table', () => {
  let platform: Awaited<ReturnType<typeof testPlatform>>;
  let foreign: TestIssuer;
  let browser: Browser;
  let context: BrowserContext;
  let callback: Server;
  let issuer: string;
  let secret: string;
  let otherSecret: string;
  let accessKey: NewAccessKey;
  /** Identity's current signing key, read from the store as the server itself reads it, to sign well-formed but wrong tokens. */
  let signingKey: { jwk: JWK; key: CryptoKey | Uint8Array };
  let validToken: string;
  const browserFlow = { clientId: '', redirectUri: '', refresh: { revoked: '', reused: '', newest: '' }, pkceMismatch: { code: '', verifier: '' } };

  const guardedUrl = (): string => invocationUrl(platform, 'guarded').toString();
  const callRuntime = (name: string, token?: string, query = ''): Promise<Response> =>
    fetch(`${invocationUrl(platform, name)}${query}`, {
      method: 'POST',
      headers: { ...MCP_HEADERS, ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify(INIT),
    });
  /** A token signed with Identity's own key: valid signature, claims as given. */
  const signedByIdentity = (claims: JWTPayload, times: { iat?: number; exp?: number; nbf?: number } = {}): Promise<string> => {
    const now = Math.floor(Date.now() / 1000);
    const jwt = new SignJWT({ client_id: 'm2m', sub: 'm2m', aud: 'gateway', scope: 'gateway/write', ...claims })
      .setProtectedHeader({ alg: 'RS256', kid: signingKey.jwk.kid as string, typ: 'at+jwt' })
      .setIssuer((claims.iss as string | undefined) ?? issuer)
      .setIssuedAt(times.iat ?? now)
      .setExpirationTime(times.exp ?? now + 600);
    if (times.nbf !== undefined) jwt.setNotBefore(times.nbf);
    return jwt.sign(signingKey.key);
  };
  const signedInit = (options: { secret?: string; signingDate?: Date } = {}): Promise<Request> =>
    signRequest(
      invocationUrl(platform, 'signed').toString(),
      { method: 'POST', headers: MCP_HEADERS, body: JSON.stringify(INIT) },
      {
        region: 'us-east-1',
        credentials: { accessKeyId: accessKey.accessKeyId, secretAccessKey: options.secret ?? accessKey.secretAccessKey },
        ...(options.signingDate ? { signingDate: options.signingDate } : {}),
      },
    );
  const sigv4Outcome = async (response: Response): Promise<Outcome> => {
    const body = (await response.json()) as { error: { message: string; data?: { code?: string } } };
    return { status: response.status, error: body.error.data?.code ?? '', message: body.error.message };
  };
  const refresh = (refreshToken: string): ReturnType<typeof postForm> =>
    postForm(`${issuer}/token`, { grant_type: 'refresh_token', refresh_token: refreshToken, client_id: browserFlow.clientId });
  const authorizeUrl = (params: Record<string, string>): string =>
    `${issuer}/auth?${new URLSearchParams({ response_type: 'code', client_id: browserFlow.clientId, redirect_uri: browserFlow.redirectUri, scope: 'openid gateway/read', ...params })}`;

  before(async () => {
    platform = await testPlatform();
    issuer = `${platform.url}/identity`;
    foreign = await startTestIssuer();
    await identityApi(platform, 'POST', '/users', { username: 'testuser', password: 'MyPassword123!' });
    await identityApi(platform, 'POST', '/resource-servers', { identifier: 'gateway', scopes: ['read', 'write'] });
    await identityApi(platform, 'POST', '/resource-servers', { identifier: 'billing', scopes: ['read'] });
    secret = (
      await identityApi(platform, 'POST', '/clients', {
        clientId: 'm2m',
        grants: ['client_credentials'],
        scopes: ['gateway/read', 'gateway/write'],
        resources: ['/runtimes/bound/invocations'],
      })
    ).body.secret as string;
    otherSecret = (await identityApi(platform, 'POST', '/clients', { clientId: 'other', grants: ['client_credentials'], scopes: ['gateway/read'] })).body
      .secret as string;
    const sessions = { warmPool: 0 };
    const discoveryUrl = `${issuer}/.well-known/openid-configuration`;
    await platform.control.createRuntime('guarded', {
      command: GREET_COMMAND,
      sessions,
      auth: { jwt: { discoveryUrl, allowedClients: ['m2m'], allowedScopes: ['gateway/write'] } },
    });
    await platform.control.createRuntime('foreign', {
      command: GREET_COMMAND,
      sessions,
      auth: { jwt: { discoveryUrl: foreign.discoveryUrl, allowedAudiences: ['https://api.example/mcp'] } },
    });
    await platform.control.createRuntime('bound', {
      command: GREET_COMMAND,
      sessions,
      auth: { jwt: { discoveryUrl, allowedAudiences: [`${platform.url}/runtimes/bound/invocations`] } },
    });
    await platform.control.createRuntime('signed', { command: GREET_COMMAND, sessions, auth: { sigv4: { region: 'us-east-1' } } });
    accessKey = await platform.accessKeys.create({ owner: 'alice', description: 'security table' });

    const row = await platform.store.sql.get<{ sealed: string }>("SELECT sealed FROM identity_keys WHERE kind = 'signing' AND retired_at IS NULL");
    const jwk = JSON.parse(open(await loadMasterKey(platform.dataDir), (row as { sealed: string }).sealed).toString('utf8')) as JWK;
    signingKey = { jwk, key: await importJWK(jwk, 'RS256') };
    validToken = (await clientCredentials(issuer, 'm2m', secret, { scope: 'gateway/write' })).body.access_token as string;

    // A registered public client signs a user in through the real login page, for the refresh and PKCE rows.
    callback = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/plain' }).end('done'));
    await new Promise<void>((resolve) => callback.listen(0, '127.0.0.1', resolve));
    browserFlow.redirectUri = `http://127.0.0.1:${(callback.address() as { port: number }).port}/callback`;
    const registered = await fetch(`${issuer}/reg`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        redirect_uris: [browserFlow.redirectUri],
        token_endpoint_auth_method: 'none',
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
      }),
    });
    browserFlow.clientId = ((await registered.json()) as { client_id: string }).client_id;
    browser = await launchBrowser();
    context = await browser.newContext();
    const signIn = { username: 'testuser', password: 'MyPassword123!' };
    const codeFor = async (challenge: string, withSignIn: boolean): Promise<string> =>
      (
        await authorizeInBrowser(
          context,
          authorizeUrl({ code_challenge: challenge, code_challenge_method: 'S256' }),
          browserFlow.redirectUri,
          withSignIn ? { signIn } : {},
        )
      ).searchParams.get('code') as string;
    const exchange = async (withSignIn: boolean): Promise<string> => {
      const { verifier, challenge } = pkcePair();
      const code = await codeFor(challenge, withSignIn);
      const { body } = await postForm(`${issuer}/token`, {
        grant_type: 'authorization_code',
        code,
        code_verifier: verifier,
        redirect_uri: browserFlow.redirectUri,
        client_id: browserFlow.clientId,
      });
      return body.refresh_token as string;
    };
    // Revoked: RFC 7009 revocation, then used.
    browserFlow.refresh.revoked = await exchange(true);
    assert.equal((await postForm(`${issuer}/token/revocation`, { token: browserFlow.refresh.revoked, client_id: browserFlow.clientId })).status, 200);
    // Reused: rotated once, then the old one presented again; that revokes the family, newest included.
    browserFlow.refresh.reused = await exchange(false);
    const rotated = await refresh(browserFlow.refresh.reused);
    assert.equal(rotated.status, 200);
    browserFlow.refresh.newest = rotated.body.refresh_token as string;
    browserFlow.pkceMismatch = { code: await codeFor(pkcePair().challenge, false), verifier: pkcePair().verifier };
  });
  after(() =>
    closeAll(
      () => context?.close(),
      () => browser?.close(),
      () => callback && new Promise((resolve) => callback.close(resolve)),
      () => foreign?.close(),
      () => platform?.stop(),
    ),
  );

  const rows: { name: string; send: () => Promise<Outcome>; expected: Outcome }[] = [
    // The jwt authorizer in front of a runtime (RFC 6750 challenge + JSON-RPC error).
    {
      name: 'expired token (signed by Identity, exp 10 minutes ago)',
      send: async () =>
        runtimeOutcome(
          await callRuntime('guarded', await signedByIdentity({}, { iat: Math.floor(Date.now() / 1000) - 1200, exp: Math.floor(Date.now() / 1000) - 600 })),
        ),
      expected: { status: 401, error: 'invalid_token', message: 'the token has expired; get a new one' },
    },
    {
      name: 'not yet valid (nbf in 10 minutes)',
      send: async () => runtimeOutcome(await callRuntime('guarded', await signedByIdentity({}, { nbf: Math.floor(Date.now() / 1000) + 600 }))),
      expected: { status: 401, error: 'invalid_token', message: 'the token\'s "nbf" claim is not acceptable (check_failed)' },
    },
    {
      name: 'wrong issuer, signed with a key the runtime trusts',
      send: async () => runtimeOutcome(await callRuntime('guarded', await signedByIdentity({ iss: 'https://evil.example' }))),
      expected: { status: 401, error: 'invalid_token', message: 'the token\'s "iss" claim is not acceptable (check_failed)' },
    },
    {
      name: 'token of a foreign issuer for the wrong audience',
      send: async () => runtimeOutcome(await callRuntime('foreign', await foreign.mint({ aud: 'https://other.example/mcp', sub: 'u' }))),
      expected: { status: 401, error: 'invalid_token', message: NOT_FOR_THIS_RESOURCE },
    },
    {
      name: 'client not allowed',
      send: async () => runtimeOutcome(await callRuntime('guarded', await signedByIdentity({ client_id: 'intruder', sub: 'intruder' }))),
      expected: { status: 401, error: 'invalid_token', message: NOT_FOR_THIS_RESOURCE },
    },
    {
      name: 'missing scope: 403 insufficient_scope naming the scope needed',
      send: async () => {
        const token = (await clientCredentials(issuer, 'm2m', secret, { scope: 'gateway/read' })).body.access_token as string;
        const response = await callRuntime('guarded', token);
        assert.match(response.headers.get('www-authenticate') ?? '', /scope="gateway\/write"/);
        return runtimeOutcome(response);
      },
      expected: { status: 403, error: 'insufficient_scope', message: 'the token lacks a required scope (one of: gateway/write)' },
    },
    {
      name: 'alg: none',
      send: async () => runtimeOutcome(await callRuntime('guarded', `${part({ alg: 'none', typ: 'at+jwt' })}.${validToken.split('.')[1] as string}.`)),
      expected: { status: 401, error: 'invalid_token', message: 'the token is signed with an algorithm this resource does not accept' },
    },
    {
      name: "HS256 signed with the issuer's public key as the secret",
      send: async () => {
        const pem = await exportSPKI(createPublicKey({ key: signingKey.jwk as JsonWebKey, format: 'jwk' }));
        const forged = await new SignJWT(claimsOf(validToken))
          .setProtectedHeader({ alg: 'HS256', kid: signingKey.jwk.kid as string, typ: 'at+jwt' })
          .sign(new TextEncoder().encode(pem));
        return runtimeOutcome(await callRuntime('guarded', forged));
      },
      expected: { status: 401, error: 'invalid_token', message: 'the token is signed with an algorithm this resource does not accept' },
    },
    {
      name: 'tampered payload (scope widened after signing)',
      send: async () => {
        const [head, , signature] = validToken.split('.');
        return runtimeOutcome(
          await callRuntime('guarded', `${head as string}.${part({ ...claimsOf(validToken), scope: 'gateway/write gateway/admin' })}.${signature as string}`),
        );
      },
      expected: { status: 401, error: 'invalid_token', message: 'the token signature is not valid' },
    },
    {
      name: 'unknown kid (a key the issuer never published)',
      send: async () => {
        const { privateKey } = await generateKeyPair('RS256');
        const forged = await new SignJWT(claimsOf(validToken)).setProtectedHeader({ alg: 'RS256', kid: 'not-published', typ: 'at+jwt' }).sign(privateKey);
        return runtimeOutcome(await callRuntime('guarded', forged));
      },
      expected: { status: 401, error: 'invalid_token', message: "no key of the issuer's JWKS matches the token" },
    },
    {
      name: 'malformed JWT',
      send: async () => runtimeOutcome(await callRuntime('guarded', 'not.a.jwt')),
      expected: { status: 401, error: 'invalid_token', message: 'the token is not valid (ERR_JWS_INVALID)' },
    },
    {
      name: 'token in the query string instead of the Authorization header',
      send: async () => runtimeOutcome(await callRuntime('guarded', undefined, `&access_token=${validToken}`)),
      expected: { status: 401, error: '', message: 'this resource requires a bearer token (Authorization: Bearer <JWT>)' },
    },
    // The authorization server's token and authorization endpoints (RFC 6749 errors).
    {
      name: 'revoked refresh token',
      send: async () => oauthOutcome(await refresh(browserFlow.refresh.revoked)),
      expected: { status: 400, error: 'invalid_grant' },
    },
    {
      name: 'reused (already rotated) refresh token',
      send: async () => oauthOutcome(await refresh(browserFlow.refresh.reused)),
      expected: { status: 400, error: 'invalid_grant' },
    },
    {
      name: 'newest refresh token of a family whose old token was reused (family revoked)',
      send: async () => oauthOutcome(await refresh(browserFlow.refresh.newest)),
      expected: { status: 400, error: 'invalid_grant' },
    },
    {
      name: 'PKCE verifier mismatch',
      send: async () =>
        oauthOutcome(
          await postForm(`${issuer}/token`, {
            grant_type: 'authorization_code',
            code: browserFlow.pkceMismatch.code,
            code_verifier: browserFlow.pkceMismatch.verifier,
            redirect_uri: browserFlow.redirectUri,
            client_id: browserFlow.clientId,
          }),
        ),
      expected: { status: 400, error: 'invalid_grant' },
    },
    {
      name: 'plain PKCE refused (S256 only)',
      send: async () =>
        redirectOutcome(await fetch(authorizeUrl({ code_challenge: pkcePair().verifier, code_challenge_method: 'plain' }), { redirect: 'manual' })),
      expected: { status: 303, error: 'invalid_request' },
    },
    {
      name: 'redirect URI not registered: an error page, never a redirect',
      send: async () => {
        const response = await fetch(
          authorizeUrl({ redirect_uri: 'http://evil.example/callback', code_challenge: pkcePair().challenge, code_challenge_method: 'S256' }),
          { redirect: 'manual' },
        );
        assert.equal(response.headers.get('location'), null);
        return { status: response.status, error: /<code>([^<]+)<\/code>/.exec(await response.text())?.[1] ?? '' };
      },
      expected: { status: 400, error: 'invalid_redirect_uri' },
    },
    {
      name: 'wrong client secret',
      send: async () => oauthOutcome(await clientCredentials(issuer, 'm2m', `${secret}x`)),
      expected: { status: 401, error: 'invalid_client' },
    },
    {
      name: 'unknown client',
      send: async () => oauthOutcome(await clientCredentials(issuer, 'nobody', secret)),
      expected: { status: 401, error: 'invalid_client' },
    },
    {
      name: 'client_credentials for a scope the client lacks',
      send: async () => oauthOutcome(await clientCredentials(issuer, 'm2m', secret, { scope: 'billing/read' })),
      expected: { status: 400, error: 'invalid_scope' },
    },
    {
      name: 'a resource indicator that is neither a resource server nor a runtime of this platform',
      send: async () => oauthOutcome(await clientCredentials(issuer, 'm2m', secret, { resource: 'https://elsewhere.example/api' })),
      expected: { status: 400, error: 'invalid_target' },
    },
    ...['http://evil.example/callback', 'http://10.0.0.5:8080/cb', 'javascript:alert(1)'].map((uri) => ({
      name: `dynamic registration with the redirect URI ${uri} (only https or loopback http)`,
      send: async () => {
        const response = await fetch(`${issuer}/reg`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({
            redirect_uris: ['http://127.0.0.1:9/ok', uri],
            token_endpoint_auth_method: 'none',
            grant_types: ['authorization_code'],
            response_types: ['code'],
          }),
        });
        const body = (await response.json()) as { error: string; error_description?: string };
        return { status: response.status, error: body.error, message: body.error_description ?? '' };
      },
      expected: {
        status: 400,
        error: 'invalid_redirect_uri',
        message: `redirect_uris: ${uri} is refused; use https, or http on 127.0.0.1, [::1] or localhost`,
      },
    })),
    {
      name: "client_credentials naming a runtime the client is not registered for (its resources list), though the runtime's audience would admit it",
      send: async () => oauthOutcome(await clientCredentials(issuer, 'other', otherSecret, { resource: `${platform.url}/runtimes/bound/invocations` })),
      expected: { status: 400, error: 'invalid_target' },
    },
    {
      name: 'client_credentials naming a runtime outside the resources list the client has',
      send: async () =>
        oauthOutcome(await clientCredentials(issuer, 'm2m', secret, { resource: `${platform.url}/runtimes/guarded/invocations`, scope: 'gateway/write' })),
      expected: { status: 400, error: 'invalid_target' },
    },
    {
      name: "a token bound to one runtime (RFC 8707 audience) presented to another that allows the token's client",
      send: async () => {
        const { body } = await clientCredentials(issuer, 'm2m', secret, { resource: `${platform.url}/runtimes/bound/invocations`, scope: 'gateway/write' });
        return runtimeOutcome(await callRuntime('guarded', body.access_token as string));
      },
      expected: {
        status: 401,
        error: 'invalid_token',
        message: 'the token was issued for another resource of this platform (its audience names a different runtime or gateway)',
      },
    },
    // The SigV4 authorizer in front of a runtime.
    {
      name: 'SigV4 signed with the wrong secret',
      send: async () => sigv4Outcome(await fetch(await signedInit({ secret: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' }))),
      expected: { status: 401, error: 'invalid_token', message: BAD_SIGNATURE },
    },
    {
      name: 'SigV4 stale date (signed 6 minutes ago)',
      send: async () => {
        const outcome = await sigv4Outcome(await fetch(await signedInit({ signingDate: new Date(Math.floor(Date.now() / 1000) * 1000 - 6 * 60_000) })));
        return { ...outcome, message: outcome.message?.replace(/ at [^,]+, .*$/, ' at …') };
      },
      expected: { status: 401, error: 'invalid_token', message: 'the request was signed at …' },
    },
    {
      name: 'SigV4 altered body',
      send: async () => {
        const signed = await signedInit();
        return sigv4Outcome(await fetch(signed.url, { method: 'POST', headers: signed.headers, body: JSON.stringify({ ...INIT, id: 2 }) }));
      },
      expected: {
        status: 401,
        error: 'invalid_token',
        message: 'the body does not match its signed X-Amz-Content-Sha256 hash; it was altered after signing, or the payload was not signed',
      },
    },
    {
      name: 'SigV4 replayed signature',
      send: async () => {
        const original = await signedInit();
        const replay = original.clone();
        const first = await fetch(original);
        assert.equal(first.status, 200);
        await first.body?.cancel();
        return sigv4Outcome(await fetch(replay));
      },
      expected: { status: 401, error: 'invalid_token', message: 'this signature was already used; sign every request anew (replayed requests are refused)' },
    },
  ];

  test(`the table has at least 24 rows (${rows.length})`, () => assert.ok(rows.length >= 24));
  for (const row of rows) {
    test(row.name, async () => assert.deepEqual(await row.send(), row.expected));
  }

  test('dynamic registration accepts https and loopback http redirect URIs', async () => {
    const response = await fetch(`${issuer}/reg`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        redirect_uris: ['https://app.example/cb', 'http://localhost:7/cb', 'http://[::1]:7/cb'],
        token_endpoint_auth_method: 'none',
        grant_types: ['authorization_code'],
        response_types: ['code'],
      }),
    });
    assert.equal(response.status, 201);
  });

  test('client_credentials for a scope no resource server defines is refused, as Cognito does', async () => {
    const { status, body } = await clientCredentials(issuer, 'm2m', secret, { scope: 'gateway/admin' });
    assert.equal(status, 400);
    assert.equal(body.error, 'invalid_scope');
    assert.match(String(body.error_description), /no resource server defines the scope gateway\/admin/);
  });

  test('a client registered for a runtime gets a token bound to it, which opens it', async () => {
    const { status, body } = await clientCredentials(issuer, 'm2m', secret, { resource: `${platform.url}/runtimes/bound/invocations`, scope: 'gateway/write' });
    assert.equal(status, 200);
    const response = await callRuntime('bound', body.access_token as string);
    assert.equal(response.status, 200);
    await response.body?.cancel();
  });

  test('the valid token the bad ones are made from is accepted', async () => {
    const response = await callRuntime('guarded', validToken);
    assert.equal(response.status, 200, guardedUrl());
    await response.body?.cancel();
  });

  describe('introspection of JWT access tokens (RFC 7662)', () => {
    const introspect = (token: string, auth: Record<string, string> = { client_id: 'm2m', client_secret: secret }): ReturnType<typeof postForm> =>
      postForm(`${issuer}/token/introspection`, { token, ...auth });

    test('a valid one is active, with its claims', async () => {
      const { status, body } = await introspect(validToken);
      assert.equal(status, 200);
      const claims = claimsOf(validToken);
      assert.deepEqual(body, { ...claims, active: true, token_type: 'Bearer' });
      assert.equal(body.client_id, 'm2m');
      assert.equal(body.scope, 'gateway/write');
    });

    test('an expired, tampered, foreign or ID-shaped one is inactive', async () => {
      const now = Math.floor(Date.now() / 1000);
      const [head, , signature] = validToken.split('.');
      const inactive = [
        await signedByIdentity({}, { iat: now - 1200, exp: now - 600 }),
        `${head as string}.${part({ ...claimsOf(validToken), scope: 'gateway/admin' })}.${signature as string}`,
        await signedByIdentity({ iss: 'https://evil.example' }),
        await foreign.mint({ aud: 'gateway', client_id: 'm2m' }),
        'not.a.jwt',
      ];
      for (const token of inactive) assert.deepEqual(await introspect(token), { status: 200, body: { active: false } });
    });

    test('a public client learns only about its own tokens; a wrong client secret is still refused', async () => {
      assert.deepEqual((await introspect(validToken, { client_id: browserFlow.clientId })).body, { active: false });
      const refused = await introspect(validToken, { client_id: 'm2m', client_secret: `${secret}x` });
      assert.deepEqual(oauthOutcome(refused), { status: 401, error: 'invalid_client' });
    });
  });
});
