// Identity declared in toolport.yaml (env:NAME secrets, reconciled at every start) and driven through the CLI verbs.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { toolport } from '../helpers/cli.js';
import { testPlatform } from '../helpers/platform.js';
import { claimsOf, clientCredentials, identityApi } from './server-helpers.js';

const config = (clients: string): string => `
identity:
  users:
    - { username: alice, password: env:TEST_IDENTITY_PASSWORD }
  resourceServers:
    - { identifier: gateway, scopes: [read, write] }
  clients:
${clients}
  tokens: { accessToken: 5m }
`;
const M2M = '    - { clientId: cfg-m2m, secret: env:TEST_IDENTITY_SECRET, grants: [client_credentials], scopes: [gateway/read] }';
const CLI = '    - { clientId: cfg-cli, grants: [authorization_code, refresh_token], redirectUris: ["http://127.0.0.1:3000/callback"] }';

test('toolport.yaml declares users, resource servers and clients; env:NAME secrets; a restart reconciles', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'toolport-identity-config-'));
  const file = join(dir, 'toolport.yaml');
  process.env.TEST_IDENTITY_SECRET = 'a-long-enough-m2m-secret';
  process.env.TEST_IDENTITY_PASSWORD = 'alice-password-1';
  try {
    await writeFile(file, config(`${M2M}\n${CLI}`));
    const first = await testPlatform({ dataDir: join(dir, 'data'), config: file });
    try {
      const token = await clientCredentials(`${first.url}/identity`, 'cfg-m2m', 'a-long-enough-m2m-secret');
      assert.equal(token.status, 200);
      const claims = claimsOf(token.body.access_token as string);
      assert.equal((claims.exp as number) - (claims.iat as number), 300, 'tokens.accessToken applies');
      assert.equal(
        first.identity.m2mTokenCommand(),
        `npx toolport identity token --client cfg-m2m --secret "$TEST_IDENTITY_SECRET" --scope 'gateway/read' --server ${first.url}`,
      );
      // A declared loopback redirect URI matches on any port (RFC 8252 §7.3): the sign-in starts instead of an error page.
      const authorize = (redirectUri: string): Promise<Response> =>
        fetch(
          `${first.url}/identity/auth?${new URLSearchParams({ response_type: 'code', client_id: 'cfg-cli', redirect_uri: redirectUri, scope: 'openid', code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM', code_challenge_method: 'S256' })}`,
          { redirect: 'manual' },
        );
      const otherPort = await authorize('http://127.0.0.1:49152/callback');
      assert.equal(otherPort.status, 303);
      assert.match(otherPort.headers.get('location') ?? '', /\/identity\/interaction\//);
      assert.equal((await authorize('http://127.0.0.1:49152/elsewhere')).status, 400, 'the path must still match');
      // Made through the API: a restart with a changed config must leave it alone.
      assert.equal((await identityApi(first, 'POST', '/users', { username: 'bob', password: 'bob-password-1' })).status, 201);
    } finally {
      await first.stop();
    }
    // The CLI client is dropped from the file and the M2M secret changes.
    process.env.TEST_IDENTITY_SECRET = 'a-rotated-m2m-secret-value';
    await writeFile(file, config(M2M));
    const second = await testPlatform({ dataDir: join(dir, 'data'), config: file });
    try {
      assert.equal((await clientCredentials(`${second.url}/identity`, 'cfg-m2m', 'a-long-enough-m2m-secret')).status, 401, 'the old secret no longer works');
      assert.equal((await clientCredentials(`${second.url}/identity`, 'cfg-m2m', 'a-rotated-m2m-secret-value')).status, 200);
      const clients = (await identityApi(second, 'GET', '/clients')).body.clients as { clientId: string }[];
      assert.deepEqual(
        clients.map((c) => c.clientId),
        ['cfg-m2m'],
      );
      const users = (await identityApi(second, 'GET', '/users')).body.users as { username: string; origin: string }[];
      assert.deepEqual(
        users.map((u) => [u.username, u.origin]),
        [
          ['alice', 'config'],
          ['bob', 'api'],
        ],
      );
    } finally {
      await second.stop();
    }
    delete process.env.TEST_IDENTITY_SECRET;
    await assert.rejects(testPlatform({ dataDir: join(dir, 'data'), config: file }), /TEST_IDENTITY_SECRET is not set/);
  } finally {
    delete process.env.TEST_IDENTITY_SECRET;
    delete process.env.TEST_IDENTITY_PASSWORD;
    await rm(dir, { recursive: true, force: true });
  }
});

test('CLI: identity resource-server, client (secret shown once), token and keys verbs', async () => {
  const platform = await testPlatform();
  const connection = ['--server', platform.url, '--token', platform.adminToken];
  try {
    const server = await toolport(['identity', 'resource-server', 'create', 'gateway', '--scopes', 'read,write', ...connection]);
    assert.equal(server.code, 0, server.stderr);
    const created = await toolport([
      'identity',
      'client',
      'create',
      'robot',
      '--grants',
      'client_credentials',
      '--scopes',
      'gateway/read',
      '--json',
      ...connection,
    ]);
    assert.equal(created.code, 0, created.stderr);
    const { secret } = JSON.parse(created.stdout) as { secret: string };
    assert.ok(secret.length >= 40);
    const listed = await toolport(['identity', 'client', 'list', ...connection]);
    assert.match(listed.stdout, /robot\s+client_credentials\s+gateway\/read\s+true/);
    assert.doesNotMatch(listed.stdout, new RegExp(secret));
    const token = await toolport(['identity', 'token', '--client', 'robot', '--secret', secret, '--scope', 'gateway/read', '--server', platform.url]);
    assert.equal(token.code, 0, token.stderr);
    assert.equal(claimsOf(token.stdout.trim()).client_id, 'robot');
    const refused = await toolport(['identity', 'token', '--client', 'robot', '--secret', 'wrong-secret', '--server', platform.url]);
    assert.equal(refused.code, 3);
    assert.match(refused.stderr, /invalid_client/);
    const rotated = await toolport(['identity', 'keys', 'rotate', '--json', ...connection]);
    const keys = (await identityApi(platform, 'GET', '/keys')).body.keys as { kid: string; state: string }[];
    assert.equal(keys.length, 3);
    assert.equal(keys.find((k) => k.state === 'signing')?.kid, JSON.parse(rotated.stdout).kid);
  } finally {
    await platform.stop();
  }
});
