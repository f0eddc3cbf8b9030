// `m2m` without --discovery-url or --token-url, against Toolport's own Identity and a JWT-protected runtime over real
// HTTP: the runtime's RFC 9728 metadata names the issuer (the MCP client-credentials extension, SEP-1046).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { FetchLike } from '@modelcontextprotocol/client';
import { connect } from '../../src/client/index.js';
import { GREET_COMMAND, testPlatform, textOf } from '../helpers/platform.js';
import { identityApi } from '../identity/server-helpers.js';

describe("m2m auth mode: the issuer from the endpoint's protected-resource metadata", () => {
  let platform: Awaited<ReturnType<typeof testPlatform>>;
  let secret: string;
  const fetched: string[] = [];
  const recordingFetch: FetchLike = (input, init) => {
    fetched.push(new URL(String(input)).pathname);
    return fetch(input, init);
  };

  before(async () => {
    platform = await testPlatform();
    const discoveryUrl = `${platform.url}/identity/.well-known/openid-configuration`;
    assert.equal((await identityApi(platform, 'POST', '/resource-servers', { identifier: 'gateway', scopes: ['read'] })).status, 201);
    secret = (
      await identityApi(platform, 'POST', '/clients', {
        clientId: 'robot',
        grants: ['client_credentials'],
        scopes: ['gateway/read'],
        resources: ['/runtimes/machine/invocations'],
      })
    ).body.secret as string;
    await platform.control.createRuntime('machine', {
      command: GREET_COMMAND,
      sessions: { warmPool: 0 },
      auth: { jwt: { discoveryUrl, allowedClients: ['robot'] } },
    });
  });
  after(() => platform.stop());

  it("finds the token endpoint through the runtime's metadata and calls the tool with the token", async () => {
    const connection = await connect({
      target: 'runtime:machine',
      server: platform.url,
      auth: { mode: 'm2m', clientId: 'robot', clientSecret: secret, scope: 'gateway/read', cache: false, fetch: recordingFetch },
    });
    try {
      assert.match(textOf(await connection.client.callTool({ name: 'greet_user', arguments: { name: 'Robot' } })), /Hello, Robot!/);
      assert.ok(
        fetched.some((path) => path.startsWith('/.well-known/oauth-protected-resource/runtimes/machine')),
        `protected-resource metadata read: ${fetched.join(', ')}`,
      );
      assert.equal(connection.credentials?.issuer, `m2m:${connection.url.origin}${connection.url.pathname}`);
    } finally {
      await connection.close();
    }
  });

  it('a wrong secret is refused by the issuer the metadata named, and the error says so', async () => {
    await assert.rejects(
      connect({ target: 'runtime:machine', server: platform.url, auth: { mode: 'm2m', clientId: 'robot', clientSecret: 'wrong', cache: false } }),
      new RegExp(`client credentials refused by issuer ${platform.url}/identity`),
    );
  });
});
