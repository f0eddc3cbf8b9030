import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { createLogger } from '../../src/log/index.js';
import { GREET_COMMAND, invocationUrl, testPlatform, textOf } from '../helpers/platform.js';
import { startTestIssuer, type TestIssuer } from '../helpers/issuer.js';
import { closeAll } from '../helpers/teardown.js';

type Platform = Awaited<ReturnType<typeof testPlatform>>;
const MCP_HEADERS = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
const INIT = {
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
};

describe('a JWT-protected runtime', () => {
  let issuer: TestIssuer;
  let platform: Platform;
  const logLines: string[] = [];

  const connect = async (token: string): Promise<{ client: Client; transport: StreamableHTTPClientTransport }> => {
    const client = new Client({ name: 'authed', version: '1' });
    const transport = new StreamableHTTPClientTransport(invocationUrl(platform, 'secure'), { requestInit: { headers: { authorization: `Bearer ${token}` } } });
    await client.connect(transport);
    return { client, transport };
  };

  before(async () => {
    issuer = await startTestIssuer();
    platform = await testPlatform({ logger: createLogger('debug', (line) => logLines.push(line)) });
    await platform.control.createRuntime('secure', {
      command: GREET_COMMAND,
      auth: { jwt: { discoveryUrl: issuer.discoveryUrl, allowedAudiences: ['toolport-runtime'], allowedScopes: ['runtime/invoke'] } },
      sessions: { warmPool: 1 },
    });
  });
  after(() =>
    closeAll(
      () => platform?.stop(),
      () => issuer?.close(),
    ),
  );

  it('answers 401 without a token, pointing at protected-resource metadata that names the issuer', async () => {
    const response = await fetch(invocationUrl(platform, 'secure'), { method: 'POST', headers: MCP_HEADERS, body: JSON.stringify(INIT) });
    assert.equal(response.status, 401);
    const challenge = response.headers.get('www-authenticate') ?? '';
    assert.match(challenge, /^Bearer /);
    const metadataUrl = /resource_metadata="([^"]+)"/.exec(challenge)?.[1] ?? '';
    assert.match(metadataUrl, /\/\.well-known\/oauth-protected-resource\/runtimes\/secure\/invocations$/);
    const metadata = (await (await fetch(metadataUrl)).json()) as { resource: string; authorization_servers: string[]; scopes_supported: string[] };
    assert.deepEqual(metadata.authorization_servers, [issuer.issuer]);
    assert.deepEqual(metadata.scopes_supported, ['runtime/invoke']);
    assert.match(metadata.resource, /\/runtimes\/secure\/invocations$/);
    assert.equal(platform.runtimes.listSessions('secure').length, 0, 'no worker was given to an unauthenticated caller');
  });

  it('names an ARN-addressed runtime as its resource exactly as addressed (single-encoded, as RFC 9728 §3.3 requires)', async () => {
    const url = invocationUrl(platform, 'arn:toolport:runtime:local:000000000000:runtime/secure');
    const response = await fetch(url, { method: 'POST', headers: MCP_HEADERS, body: JSON.stringify(INIT) });
    assert.equal(response.status, 401);
    const metadataUrl = /resource_metadata="([^"]+)"/.exec(response.headers.get('www-authenticate') ?? '')?.[1] ?? '';
    const metadata = (await (await fetch(metadataUrl)).json()) as { resource: string };
    assert.equal(metadata.resource, `${url.origin}${url.pathname}`);
  });

  it('serves a caller with a valid token, and never passes the token to the worker or the log', async () => {
    const token = await issuer.mint({ sub: 'alice', aud: 'toolport-runtime', scope: 'runtime/invoke' });
    const { client, transport } = await connect(token);
    assert.equal(
      textOf(await client.callTool({ name: 'greet_user', arguments: { name: 'Alice' } })),
      'Hello, Alice! Nice to meet you. This is a test message.',
    );
    const who = JSON.parse(textOf(await client.callTool({ name: 'whoami', arguments: {} }))) as { envKeys: string[] };
    assert.ok(!who.envKeys.some((key) => /auth|token/i.test(key)));
    await transport.terminateSession();
    assert.ok(
      logLines.some((line) => line.includes('"subject":"alice"')),
      'requests are logged with the caller subject',
    );
    assert.ok(!logLines.some((line) => line.includes(token) || line.includes(token.split('.')[2] as string)), 'the token is never logged');
  });

  it('refuses expired, foreign-audience and tampered tokens with 401 invalid_token', async () => {
    const expired = await issuer.mint({ sub: 'a', aud: 'toolport-runtime', scope: 'runtime/invoke' }, { expiresIn: Math.floor(Date.now() / 1000) - 300 });
    const foreign = await issuer.mint({ sub: 'a', aud: 'some-other-api', scope: 'runtime/invoke' });
    for (const [token, reason] of [
      [expired, /expired/],
      [foreign, /not issued for this resource/],
      [`${foreign.slice(0, -4)}AAAA`, /signature/],
    ] as const) {
      const response = await fetch(invocationUrl(platform, 'secure'), {
        method: 'POST',
        headers: { ...MCP_HEADERS, authorization: `Bearer ${token}` },
        body: JSON.stringify(INIT),
      });
      assert.equal(response.status, 401);
      assert.match(response.headers.get('www-authenticate') ?? '', /error="invalid_token"/);
      assert.match(((await response.json()) as { error: { message: string } }).error.message, reason);
    }
  });

  it('answers 403 insufficient_scope naming the scope needed', async () => {
    const token = await issuer.mint({ sub: 'a', aud: 'toolport-runtime', scope: 'runtime/read' });
    const response = await fetch(invocationUrl(platform, 'secure'), {
      method: 'POST',
      headers: { ...MCP_HEADERS, authorization: `Bearer ${token}` },
      body: JSON.stringify(INIT),
    });
    assert.equal(response.status, 403);
    assert.match(response.headers.get('www-authenticate') ?? '', /error="insufficient_scope".*scope="runtime\/invoke"/);
  });

  it("does not let one caller use another caller's session", async () => {
    const alice = await issuer.mint({ sub: 'alice', aud: 'toolport-runtime', scope: 'runtime/invoke' });
    const mallory = await issuer.mint({ sub: 'mallory', aud: 'toolport-runtime', scope: 'runtime/invoke' });
    const { transport } = await connect(alice);
    const response = await fetch(invocationUrl(platform, 'secure'), {
      method: 'POST',
      headers: { ...MCP_HEADERS, authorization: `Bearer ${mallory}`, 'mcp-session-id': transport.sessionId as string, 'mcp-protocol-version': '2025-11-25' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 5, method: 'tools/call', params: { name: 'remember', arguments: { key: 'k' } } }),
    });
    assert.equal(response.status, 404);
    await transport.terminateSession();
  });
});
