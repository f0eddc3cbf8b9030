import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPair, SignJWT } from 'jose';
import { AuthError, JwtAuthorizer } from '../../src/identity/index.js';
import { startTestIssuer, type TestIssuer } from '../helpers/issuer.js';

const AUDIENCE = 'http://127.0.0.1/runtimes/greet/invocations';

async function rejects(promise: Promise<unknown>, code: string, message: RegExp): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof AuthError, `expected AuthError, got ${String(error)}`);
    assert.equal(error.code, code);
    assert.match(error.message, message);
    return true;
  });
}

describe('JWT authorizer against a real issuer over HTTP', () => {
  let issuer: TestIssuer;
  let authorizer: JwtAuthorizer;

  before(async () => {
    issuer = await startTestIssuer();
    authorizer = new JwtAuthorizer({ discoveryUrl: issuer.discoveryUrl, allowedAudiences: [AUDIENCE], allowedClients: ['cognito-app'] });
  });
  after(() => issuer.close());

  it('accepts a token for this audience and reports who it speaks for', async () => {
    const principal = await authorizer.verify(await issuer.mint({ sub: 'alice', aud: AUDIENCE, scope: 'gateway/read gateway/write', client_id: 'cli' }));
    const { claims, ...who } = principal;
    assert.deepEqual(who, { subject: 'alice', clientId: 'cli', scopes: ['gateway/read', 'gateway/write'], issuer: issuer.issuer });
    assert.equal(claims.aud, AUDIENCE, 'every verified claim is kept for claim-based permission rules');
  });

  it('accepts a Cognito-style access token carrying client_id and no aud when the client is allowed', async () => {
    const principal = await authorizer.verify(await issuer.mint({ sub: 'svc', client_id: 'cognito-app', token_use: 'access' }));
    assert.equal(principal.clientId, 'cognito-app');
  });

  it('refuses tokens for another audience or client', async () => {
    await rejects(authorizer.verify(await issuer.mint({ sub: 'a', aud: 'http://elsewhere/api' })), 'invalid_token', /not issued for this resource/);
    await rejects(authorizer.verify(await issuer.mint({ sub: 'a', client_id: 'other-app' })), 'invalid_token', /not issued for this resource/);
  });

  it('refuses expired tokens beyond the leeway and accepts them within it', async () => {
    const now = Math.floor(Date.now() / 1000);
    await rejects(authorizer.verify(await issuer.mint({ sub: 'a', aud: AUDIENCE }, { expiresIn: now - 120 })), 'invalid_token', /expired/);
    assert.equal((await authorizer.verify(await issuer.mint({ sub: 'a', aud: AUDIENCE }, { expiresIn: now - 10 }))).subject, 'a');
  });

  it('refuses a token from another issuer, even one signed with a trusted key', async () => {
    await rejects(authorizer.verify(await issuer.mint({ sub: 'a', aud: AUDIENCE, iss: 'http://127.0.0.1:1/evil' })), 'invalid_token', /"iss" claim/);
  });

  it('refuses alg none, HMAC-signed and tampered tokens', async () => {
    const unsigned = `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url')}.${Buffer.from(
      JSON.stringify({ sub: 'a', aud: AUDIENCE, iss: issuer.issuer, exp: Math.floor(Date.now() / 1000) + 600 }),
    ).toString('base64url')}.`;
    await rejects(authorizer.verify(unsigned), 'invalid_token', /not valid|algorithm/);
    const hmac = await new SignJWT({ sub: 'a', aud: AUDIENCE })
      .setProtectedHeader({ alg: 'HS256', kid: 'key-1' })
      .setIssuer(issuer.issuer)
      .setExpirationTime('1h')
      .sign(new TextEncoder().encode('a-shared-secret-of-at-least-32-bytes!!'));
    await rejects(authorizer.verify(hmac), 'invalid_token', /algorithm/);
    const good = await issuer.mint({ sub: 'a', aud: AUDIENCE });
    const [head, , signature] = good.split('.');
    const forged = `${head}.${Buffer.from(JSON.stringify({ sub: 'admin', aud: AUDIENCE, iss: issuer.issuer, exp: Math.floor(Date.now() / 1000) + 600 })).toString('base64url')}.${signature}`;
    await rejects(authorizer.verify(forged), 'invalid_token', /signature/);
  });

  it('refetches the JWKS once for an unknown kid (key rotation) and caches it otherwise', async () => {
    // The cooldown bounds refetches (tokens with made-up kids must not turn into a flood of JWKS requests).
    const rotating = new JwtAuthorizer({ discoveryUrl: issuer.discoveryUrl, allowedAudiences: [AUDIENCE] }, { cooldownMs: 200 });
    await rotating.verify(await issuer.mint({ sub: 'a', aud: AUDIENCE }));
    const before = issuer.jwksFetches;
    await rotating.verify(await issuer.mint({ sub: 'a', aud: AUDIENCE }));
    assert.equal(issuer.jwksFetches, before, 'a known key is served from the cache');
    const stranger = await generateKeyPair('RS256');
    const { key } = await issuer.rotate();
    const [rotatedToken, strangerToken] = [
      await issuer.mint({ sub: 'rotated', aud: AUDIENCE }, { key }),
      await issuer.mint({ sub: 'a', aud: AUDIENCE }, { key: stranger, kid: 'key-99' }),
    ];
    await new Promise((resolve) => setTimeout(resolve, 250));
    assert.equal((await rotating.verify(rotatedToken)).subject, 'rotated');
    assert.equal(issuer.jwksFetches, before + 1);
    await rejects(rotating.verify(strangerToken), 'invalid_token', /no key/);
    assert.equal(issuer.jwksFetches, before + 1, 'within the cooldown an unknown kid does not refetch');
  });

  it('enforces scopes with insufficient_scope naming the accepted scopes, and required claims', async () => {
    const scoped = new JwtAuthorizer({
      discoveryUrl: issuer.discoveryUrl,
      allowedAudiences: [AUDIENCE],
      allowedScopes: ['gateway/write'],
      requiredClaims: { tenant: 'acme' },
    });
    await rejects(scoped.verify(await issuer.mint({ sub: 'a', aud: AUDIENCE, scope: 'gateway/read', tenant: 'acme' })), 'insufficient_scope', /gateway\/write/);
    await rejects(scoped.verify(await issuer.mint({ sub: 'a', aud: AUDIENCE, scope: 'gateway/write', tenant: 'other' })), 'invalid_token', /"tenant" claim/);
    assert.equal((await scoped.verify(await issuer.mint({ sub: 'a', aud: AUDIENCE, scope: 'gateway/write', tenant: 'acme' }))).subject, 'a');
  });

  it('never puts the token into an error message', async () => {
    const token = await issuer.mint({ sub: 'a', aud: 'http://elsewhere' });
    await assert.rejects(authorizer.verify(token), (error: Error) => !error.message.includes(token) && !error.message.includes(token.split('.')[2] as string));
  });

  it('refuses a configuration that would accept any token of the issuer', () => {
    assert.throws(() => new JwtAuthorizer({ discoveryUrl: issuer.discoveryUrl }), /allowedAudiences or allowedClients/);
  });

  it('says the issuer is unavailable when discovery cannot be read', async () => {
    const offline = new JwtAuthorizer(
      { discoveryUrl: 'http://127.0.0.1:1/.well-known/openid-configuration', allowedAudiences: [AUDIENCE] },
      { timeoutMs: 1_000 },
    );
    await rejects(offline.verify('x.y.z'), 'issuer_unavailable', /cannot read the OIDC discovery document/);
  });
});
