// Toolport's authorization server over real HTTP: discovery, client_credentials tokens that open JWT-protected
// runtimes (audience by client or by RFC 8707 resource), a wrong audience, key rotation, and restarts on SQLite and
// PostgreSQL. The other refusals are rows of security.test.ts.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { GREET_COMMAND, testPlatform } from '../helpers/platform.js';
import { claimsOf, clientCredentials, dropSchema, headerOf, identityApi, invokeStatus, listToolsWith, pgSchema, PG_URL } from './server-helpers.js';

type TestPlatform = Awaited<ReturnType<typeof testPlatform>>;

/** A resource server with read/write, an M2M client for it, and two runtimes trusting this issuer. */
async function seed(platform: TestPlatform): Promise<{ secret: string }> {
  assert.equal((await identityApi(platform, 'POST', '/resource-servers', { identifier: 'gateway', scopes: ['read', 'write'] })).status, 201);
  const client = await identityApi(platform, 'POST', '/clients', {
    clientId: 'm2m',
    grants: ['client_credentials'],
    scopes: ['gateway/read', 'gateway/write'],
    resources: ['/runtimes/by-audience/invocations'],
  });
  assert.equal(client.status, 201);
  const discoveryUrl = `${platform.url}/identity/.well-known/openid-configuration`;
  const sessions = { warmPool: 0 };
  await platform.control.createRuntime('by-client', {
    command: GREET_COMMAND,
    sessions,
    auth: { jwt: { discoveryUrl, allowedClients: ['m2m'], allowedScopes: ['gateway/read'] } },
  });
  await platform.control.createRuntime('by-audience', {
    command: GREET_COMMAND,
    sessions,
    auth: { jwt: { discoveryUrl, allowedAudiences: [`${platform.url}/runtimes/by-audience/invocations`] } },
  });
  return { secret: client.body.secret as string };
}

describe('authorization server', () => {
  let platform: TestPlatform;
  let issuer: string;
  let secret: string;
  before(async () => {
    platform = await testPlatform();
    issuer = `${platform.url}/identity`;
    ({ secret } = await seed(platform));
  });
  after(() => platform.stop());

  test('publishes one metadata document at the OpenID and RFC 8414 locations, and its JWKS', async () => {
    const documents = await Promise.all(
      [
        '/identity/.well-known/openid-configuration',
        '/.well-known/oauth-authorization-server/identity',
        '/identity/.well-known/oauth-authorization-server',
      ].map(async (path) => {
        const response = await fetch(`${platform.url}${path}`);
        assert.equal(response.status, 200, path);
        return (await response.json()) as Record<string, unknown>;
      }),
    );
    for (const document of documents) {
      assert.equal(document.issuer, issuer);
      assert.equal(document.token_endpoint, `${issuer}/token`);
      assert.equal(document.registration_endpoint, `${issuer}/reg`);
      assert.deepEqual(document.code_challenge_methods_supported, ['S256']);
      assert.deepEqual(document.grant_types_supported, ['authorization_code', 'refresh_token', 'client_credentials']);
      assert.deepEqual(document.response_types_supported, ['code'], 'OAuth 2.1: no implicit or hybrid flows');
      assert.ok(document.introspection_endpoint && document.revocation_endpoint);
    }
    const jwks = (await (await fetch(documents[0]?.jwks_uri as string)).json()) as { keys: Record<string, unknown>[] };
    assert.equal(jwks.keys.length, 2, 'the signing key and the next one, published ahead of use');
    assert.equal(jwks.keys[0]?.alg, 'RS256');
    assert.equal(jwks.keys[0]?.d, undefined, 'no private part is published');
  });

  test('client_credentials without resource gives an RFC 9068 JWT for the resource server that opens a jwt runtime', async () => {
    const { status, body } = await clientCredentials(issuer, 'm2m', secret, { scope: 'gateway/read' });
    assert.equal(status, 200);
    assert.equal(body.token_type, 'Bearer');
    assert.equal(headerOf(body.access_token as string).typ, 'at+jwt');
    const claims = claimsOf(body.access_token as string);
    assert.equal(claims.iss, issuer);
    assert.equal(claims.sub, 'm2m');
    assert.equal(claims.client_id, 'm2m');
    assert.equal(claims.aud, 'gateway');
    assert.equal(claims.scope, 'gateway/read');
    assert.ok(typeof claims.jti === 'string' && typeof claims.iat === 'number' && (claims.exp as number) - (claims.iat as number) === 3600);
    assert.ok((await listToolsWith(platform, 'by-client', body.access_token as string)).includes('greet_user'));
    assert.equal((await invokeStatus(platform, 'by-client')).status, 401);
  });

  test('without a scope the client gets all its scopes, as Cognito does; HTTP Basic works too', async () => {
    const basic = Buffer.from(`m2m:${secret}`).toString('base64');
    const response = await fetch(`${issuer}/token`, {
      method: 'POST',
      headers: { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=client_credentials',
    });
    assert.equal(response.status, 200);
    assert.equal(claimsOf(((await response.json()) as { access_token: string }).access_token).scope, 'gateway/read gateway/write');
  });

  test('a resource indicator (RFC 8707) makes the runtime URL the audience', async () => {
    const resource = `${platform.url}/runtimes/by-audience/invocations`;
    const { status, body } = await clientCredentials(issuer, 'm2m', secret, { resource, scope: 'gateway/write' });
    assert.equal(status, 200);
    assert.equal(claimsOf(body.access_token as string).aud, resource);
    assert.ok((await listToolsWith(platform, 'by-audience', body.access_token as string)).includes('echo'));
    // A token for the resource server is not for this runtime.
    const other = await clientCredentials(issuer, 'm2m', secret, { scope: 'gateway/write' });
    const refused = await invokeStatus(platform, 'by-audience', other.body.access_token);
    assert.equal(refused.status, 401);
    assert.match(refused.challenge ?? '', /error="invalid_token"/);
  });

  test('key rotation signs with a new key while tokens of the old one keep working', async () => {
    const before = (await clientCredentials(issuer, 'm2m', secret)).body.access_token as string;
    const rotated = await identityApi(platform, 'POST', '/keys/rotate');
    assert.equal(rotated.status, 201);
    const afterToken = (await clientCredentials(issuer, 'm2m', secret)).body.access_token as string;
    assert.equal(headerOf(afterToken).kid, rotated.body.kid);
    assert.notEqual(headerOf(before).kid, rotated.body.kid);
    const keys = (await identityApi(platform, 'GET', '/keys')).body.keys as { kid: string; state: string }[];
    const jwks = (await (await fetch(`${issuer}/jwks`)).json()) as { keys: { kid: string }[] };
    assert.deepEqual(new Set(jwks.keys.map((k) => k.kid)), new Set(keys.map((k) => k.kid)));
    assert.deepEqual(keys.map((k) => k.state).sort(), ['next', 'retired', 'signing']);
    assert.equal(keys.find((k) => k.state === 'retired')?.kid, headerOf(before).kid);
    // The runtime fetched the JWKS before the rotation: the new key was already in it (published as next), and the
    // old key still is, so both tokens verify without a refetch.
    assert.ok((await listToolsWith(platform, 'by-client', before)).length > 0);
    assert.ok((await listToolsWith(platform, 'by-client', afterToken)).length > 0);
  });

  test('the control plane lists what exists and never shows a secret again', async () => {
    const clients = (await identityApi(platform, 'GET', '/clients')).body.clients as Record<string, unknown>[];
    const m2m = clients.find((c) => c.clientId === 'm2m');
    assert.equal(m2m?.confidential, true);
    assert.equal(m2m?.secret, undefined);
    assert.doesNotMatch(JSON.stringify(clients), new RegExp(secret));
    assert.equal((await identityApi(platform, 'GET', '/clients', undefined)).status, 200);
    const unauthorized = await fetch(`${platform.url}/api/identity/clients`);
    assert.equal(unauthorized.status, 401);
  });
});

/** Starts a platform twice on one data dir and store: what was made before the restart must still work after. */
async function restartKeepsEverything(store: string | undefined): Promise<void> {
  const dataDir = await mkdtemp(join(tmpdir(), 'toolport-identity-'));
  try {
    const first = await testPlatform({ dataDir, ...(store ? { store } : {}) });
    const port = first.port;
    let secret: string;
    let token: string;
    try {
      ({ secret } = await seed(first));
      assert.equal((await identityApi(first, 'POST', '/users', { username: 'ren', password: 'correct horse battery' })).status, 201);
      token = (await clientCredentials(`${first.url}/identity`, 'm2m', secret)).body.access_token as string;
    } finally {
      await first.stop();
    }
    // Same port, so the same issuer URL: tokens minted before the restart name it.
    const second = await testPlatform({ dataDir, port, ...(store ? { store } : {}) });
    try {
      assert.ok((await listToolsWith(second, 'by-client', token)).length > 0, 'a token issued before the restart still verifies');
      const fresh = await clientCredentials(`${second.url}/identity`, 'm2m', secret);
      assert.equal(fresh.status, 200, 'the client and its hashed secret survived');
      assert.equal(headerOf(fresh.body.access_token as string).kid, headerOf(token).kid, 'the signing key survived');
      const users = (await identityApi(second, 'GET', '/users')).body.users as { username: string }[];
      assert.deepEqual(
        users.map((u) => u.username),
        ['ren'],
      );
      const jwks = (await (await fetch(`${second.url}/identity/jwks`)).json()) as { keys: { kid: string }[] };
      assert.ok(jwks.keys.some((k) => k.kid === headerOf(token).kid));
    } finally {
      await second.stop();
    }
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
}

test('a restart keeps users, clients and signing keys (SQLite)', () => restartKeepsEverything(undefined));

test('a restart keeps users, clients and signing keys (PostgreSQL)', async () => {
  const schema = pgSchema();
  try {
    await restartKeepsEverything(`${PG_URL}?schema=${schema}`);
  } finally {
    await dropSchema(schema);
  }
});
