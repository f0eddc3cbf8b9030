import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { inspect } from 'node:util';
import { VaultError } from '../../src/identity/index.js';
import {
  authorizationCodeGrant,
  clientCredentialsGrant,
  resolveIssuer,
  type HttpDeps,
  type Issuer,
  type OAuthClientSettings,
} from '../../src/identity/vault/oauth.js';

const SECRET = 'the-client-secret-never-shown';
const settings: OAuthClientSettings = {
  provider: 'corp',
  tokenUrl: 'https://as.example/token',
  clientId: 'vault',
  clientSecret: SECRET,
  clientAuth: 'client_secret_basic',
};

/** The vault's HTTP dependencies over a stub fetch that records each request and answers with `answer`. */
function stubHttp(answer: (url: string, init: RequestInit) => Promise<Response> | Response, timeoutMs = 1_000) {
  const requests: { url: string; init: RequestInit }[] = [];
  const fetchStub = (async (input: string | URL | Request, init?: RequestInit) => {
    requests.push({ url: String(input), init: init ?? {} });
    return answer(String(input), init ?? {});
  }) as typeof fetch;
  const http: HttpDeps = { fetch: fetchStub, timeoutMs, now: () => 1_000_000 };
  return { http, requests };
}

const rejectsWith = async (promise: Promise<unknown>, code: string, message: string | RegExp): Promise<void> => {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof VaultError);
    assert.equal(error.code, code);
    if (typeof message === 'string') assert.equal(error.message, message);
    else assert.match(error.message, message);
    assert.ok(!inspect(error, { depth: 10 }).includes(SECRET), 'no secret in the error, its cause or its fields');
    return true;
  });
};

describe("the vault's OAuth client", () => {
  it('sends every request through the injected fetch, bounded by the timeout', async () => {
    // AbortSignal.timeout's timer does not hold the event loop open; a real request's socket would.
    const socket = setTimeout(() => undefined, 5_000);
    const { http, requests } = stubHttp(
      (_url, init) => new Promise((_resolve, reject) => init.signal?.addEventListener('abort', () => reject(init.signal?.reason as Error))),
      50,
    );
    const issuer = await resolveIssuer(settings, http);
    await rejectsWith(
      clientCredentialsGrant(settings, issuer, ['api/read'], http),
      'upstream',
      'cannot reach the token endpoint of credential "corp" (https://as.example/token): The operation was aborted due to timeout',
    );
    assert.deepEqual(
      requests.map((request) => [request.url, request.init.method, request.init.redirect]),
      [['https://as.example/token', 'POST', 'manual']],
    );
    clearTimeout(socket);
  });

  it('reads the issuer from a discovery URL of either form and refuses a document naming another issuer (RFC 8414 §3.3)', async () => {
    const documents: Record<string, unknown> = {
      'https://as.example/tenant/.well-known/openid-configuration': { issuer: 'https://as.example/tenant', token_endpoint: 'https://as.example/tenant/token' },
      'https://as.example/.well-known/oauth-authorization-server/t2': { issuer: 'https://as.example/t2', token_endpoint: 'https://as.example/t2/token' },
      'https://as.example/.well-known/oauth-authorization-server': { issuer: 'https://evil.example', token_endpoint: 'https://evil.example/token' },
    };
    const { http } = stubHttp((url) => (documents[url] ? Response.json(documents[url]) : new Response('not found', { status: 404 })));
    const discover = (discoveryUrl: string): Promise<Issuer> => resolveIssuer({ ...settings, tokenUrl: undefined, discoveryUrl }, http);
    assert.equal((await discover('https://as.example/tenant/.well-known/openid-configuration')).server.token_endpoint, 'https://as.example/tenant/token');
    assert.equal((await discover('https://as.example/.well-known/oauth-authorization-server/t2')).server.issuer, 'https://as.example/t2');
    await rejectsWith(
      discover('https://as.example/.well-known/oauth-authorization-server'),
      'upstream',
      /^cannot read the discovery document of credential "corp" at https:\/\/as\.example\/\.well-known\/oauth-authorization-server: .*"issuer" property does not match/,
    );
    await rejectsWith(
      discover('https://as.example/gone/.well-known/openid-configuration'),
      'upstream',
      'cannot read the discovery document of credential "corp" at https://as.example/gone/.well-known/openid-configuration: HTTP 404',
    );
    await rejectsWith(
      discover('https://as.example/metadata.json'),
      'invalid',
      /^credential "corp" has discoveryUrl https:\/\/as\.example\/metadata\.json, which is neither/,
    );
  });

  it("names the issuer's error behind a WWW-Authenticate challenge, and refuses tokens that are not bearer tokens", async () => {
    const challenged = stubHttp(() =>
      Response.json({ error: 'invalid_client', error_description: 'unknown client' }, { status: 401, headers: { 'www-authenticate': 'Basic realm="as"' } }),
    );
    await rejectsWith(
      clientCredentialsGrant(settings, await resolveIssuer(settings, challenged.http), [], challenged.http),
      'upstream',
      'the token endpoint of credential "corp" (https://as.example/token) refused the client_credentials grant: invalid_client (unknown client)',
    );
    const basic = new Headers(challenged.requests[0]?.init.headers).get('authorization') ?? '';
    assert.equal(Buffer.from(basic.replace(/^Basic /, ''), 'base64').toString(), `vault:${SECRET.replace(/-/g, '%2D')}`, 'RFC 6749 §2.3.1 encoding');
    const dpop = stubHttp(() => Response.json({ access_token: 'at', token_type: 'DPoP', expires_in: 60 }));
    await rejectsWith(
      clientCredentialsGrant(settings, await resolveIssuer(settings, dpop.http), [], dpop.http),
      'upstream',
      'the token endpoint of credential "corp" (https://as.example/token) answered without a usable bearer token: only bearer tokens (RFC 6750) can be used',
    );
  });

  it("checks a callback's iss only against a discovered issuer, and requires it where the issuer says it always sends one (RFC 9207)", async () => {
    const { http, requests } = stubHttp(() => Response.json({ access_token: 'at', token_type: 'Bearer', expires_in: 60 }));
    const callback = { state: 's', code: 'c', redirectUri: 'https://toolport.example/identity/vault/callback', codeVerifier: 'v'.repeat(43) };
    const configured = await resolveIssuer(settings, http);
    assert.deepEqual(await authorizationCodeGrant(settings, configured, { ...callback, iss: 'https://as.example/anything' }, http), {
      accessToken: 'at',
      expiresAt: 1_060_000,
    });
    const body = new URLSearchParams(String(requests[0]?.init.body));
    assert.deepEqual([body.get('grant_type'), body.get('code'), body.get('code_verifier')], ['authorization_code', 'c', callback.codeVerifier]);
    const strict: Issuer = {
      server: { issuer: 'https://as.example', token_endpoint: 'https://as.example/token', authorization_response_iss_parameter_supported: true },
      discovered: true,
    };
    await rejectsWith(
      authorizationCodeGrant(settings, strict, callback, http),
      'forbidden',
      'the authorization response names no issuer, though https://as.example of credential "corp" says it always does',
    );
    assert.equal(requests.length, 1, 'the refused code never reached the token endpoint');
  });
});
