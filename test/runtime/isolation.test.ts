import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createLogger } from '../../src/log/index.js';
import { signRequest, sigv4Fetch } from '../../src/client/sigv4.js';
import { SIGV4_ISSUER } from '../../src/identity/index.js';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { GREET_COMMAND, invocationUrl, testPlatform, textOf } from '../helpers/platform.js';
import { startTestIssuer, type TestIssuer } from '../helpers/issuer.js';
import { closeAll } from '../helpers/teardown.js';

/**
 * Issue 11's critical and high findings: a session of one runtime or one caller must never let a request into
 * another runtime or another caller's worker, on either MCP revision, for JWT and SigV4 runtimes alike.
 */
type Platform = Awaited<ReturnType<typeof testPlatform>>;
type Caller = typeof fetch;
/** An answer read to its end, so no response stream stays open. */
interface Answer {
  status: number;
  text: string;
}

async function answer(response: Promise<Response>): Promise<Answer> {
  const done = await response;
  return { status: done.status, text: await done.text() };
}
const MCP_HEADERS = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
const AGENTCORE = 'x-amzn-bedrock-agentcore-runtime-session-id';
const ENVELOPE = {
  'io.modelcontextprotocol/protocolVersion': '2026-07-28',
  'io.modelcontextprotocol/clientInfo': { name: 'raw', version: '1' },
  'io.modelcontextprotocol/clientCapabilities': {},
};

/** A 2026-07-28 `tools/call`, carrying everything per request. */
function modernCall(caller: Caller, url: URL, tool: string, args: Record<string, string>, headers: Record<string, string> = {}): Promise<Answer> {
  return answer(
    caller(url, {
      method: 'POST',
      headers: { ...MCP_HEADERS, 'mcp-protocol-version': '2026-07-28', 'mcp-method': 'tools/call', 'mcp-name': tool, ...headers },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: tool, arguments: args, _meta: ENVELOPE } }),
    }),
  );
}

/** A 2025-11-25 `tools/call` in a session. */
function legacyCall(caller: Caller, url: URL, tool: string, args: Record<string, string>, headers: Record<string, string>): Promise<Answer> {
  return answer(
    caller(url, {
      method: 'POST',
      headers: { ...MCP_HEADERS, 'mcp-protocol-version': '2025-11-25', ...headers },
      body: JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: tool, arguments: args } }),
    }),
  );
}

/** An MCP SDK client of either revision, sending its requests through `caller` with extra headers. */
async function sdkClient(
  caller: Caller,
  url: URL,
  revision: '2025-11-25' | '2026-07-28',
  headers: Record<string, string> = {},
): Promise<{ client: Client; sessionId: string | undefined }> {
  const client = new Client({ name: 'victim', version: '1' }, revision === '2026-07-28' ? { versionNegotiation: { mode: { pin: revision } } } : {});
  const transport = new StreamableHTTPClientTransport(url, { fetch: caller, requestInit: { headers } });
  await client.connect(transport);
  return { client, sessionId: transport.sessionId };
}

/** The stateless worker id as it used to be computed: sha256 of the owner, known to anyone who knows the owner. */
function guessableStatelessId(runtime: string, issuer: string, subject: string, clientId: string | null): string {
  return `stateless-${runtime}-v1-${createHash('sha256')
    .update(JSON.stringify([issuer, subject, clientId]))
    .digest('hex')
    .slice(0, 16)}`;
}

describe('runtime sessions stay with their runtime and their caller', () => {
  let issuer: TestIssuer;
  let platform: Platform;
  /** Per protected runtime: the victim, the attacker (valid credentials of their own), and the victim's owner parts. */
  const runtimes: Record<'jwt' | 'signed', { alice: Caller; mallory: Caller; aliceOwner: [string, string, string | null] }> = {} as never;

  before(async () => {
    issuer = await startTestIssuer();
    platform = await testPlatform({ logger: createLogger('error') });
    const jwt = { discoveryUrl: issuer.discoveryUrl, allowedAudiences: ['toolport-runtime'] };
    await platform.control.createRuntime('greet', { command: GREET_COMMAND, sessions: { warmPool: 0 } });
    await platform.control.createRuntime('jwt', { command: GREET_COMMAND, auth: { jwt }, sessions: { warmPool: 0 } });
    await platform.control.createRuntime('signed', { command: GREET_COMMAND, auth: { sigv4: { region: 'us-east-1' } }, sessions: { warmPool: 0 } });
    const bearer =
      (token: string): Caller =>
      (input, init) => {
        const headers = new Headers(init?.headers);
        headers.set('authorization', `Bearer ${token}`);
        return fetch(input, { ...init, headers });
      };
    const [aliceToken, malloryToken] = await Promise.all(['alice', 'mallory'].map((sub) => issuer.mint({ sub, aud: 'toolport-runtime' })));
    runtimes.jwt = { alice: bearer(aliceToken as string), mallory: bearer(malloryToken as string), aliceOwner: [issuer.issuer, 'alice', null] };
    const [aliceKey, malloryKey] = await Promise.all(['alice', 'mallory'].map((owner) => platform.accessKeys.create({ owner, description: 'isolation test' })));
    const signer = (key: { accessKeyId: string; secretAccessKey: string }): Caller =>
      sigv4Fetch({ region: 'us-east-1', credentials: { accessKeyId: key.accessKeyId, secretAccessKey: key.secretAccessKey } });
    runtimes.signed = { alice: signer(aliceKey!), mallory: signer(malloryKey!), aliceOwner: [SIGV4_ISSUER, 'alice', aliceKey!.accessKeyId] };
  });
  after(() =>
    closeAll(
      () => platform?.stop(),
      () => issuer?.close(),
    ),
  );

  for (const kind of ['jwt', 'signed'] as const) {
    describe(`a ${kind === 'jwt' ? 'JWT' : 'SigV4'}-protected runtime`, () => {
      const url = (): URL => invocationUrl(platform, kind);

      it('does not answer a caller without credentials who sends an open runtime session id (2026-07-28 and 2025-11-25)', async () => {
        const open = await sdkClient(fetch, invocationUrl(platform, 'greet'), '2025-11-25');
        const openSession = open.sessionId as string;
        const modern = await modernCall(fetch, url(), 'greet_user', { name: 'x' }, { 'mcp-session-id': openSession });
        assert.equal(modern.status, 404);
        assert.doesNotMatch(modern.text, /Hello/);
        const legacy = await legacyCall(fetch, url(), 'greet_user', { name: 'x' }, { 'mcp-session-id': openSession });
        assert.equal(legacy.status, 404);
        assert.doesNotMatch(legacy.text, /Hello/);
        const viaAgentCoreHeader = await modernCall(fetch, url(), 'greet_user', { name: 'x' }, { [AGENTCORE]: openSession });
        assert.equal(viaAgentCoreHeader.status, 404);
        assert.equal((await modernCall(fetch, url(), 'greet_user', { name: 'x' })).status, 401, 'and without any session id it asks for credentials');
        await open.client.close();
      });

      it('names no endpoint to an unauthenticated caller', async () => {
        const unknownEndpoint = await fetch(invocationUrl(platform, kind, 'no-such-endpoint'), { method: 'POST', headers: MCP_HEADERS, body: '{}' });
        assert.equal(unknownEndpoint.status, 401);
        assert.doesNotMatch(await unknownEndpoint.text(), /DEFAULT|endpoint/);
      });

      it("refuses a second caller who sends the first caller's 2026-07-28 session header, with or without a made-up Mcp-Session-Id", async () => {
        const { alice, mallory } = runtimes[kind];
        const victim = { [AGENTCORE]: `victim-${kind}-session-0001` };
        const { client } = await sdkClient(alice, url(), '2026-07-28', victim);
        await client.callTool({ name: 'remember', arguments: { key: 'k', value: 'alice secret' } });
        const madeUp = await modernCall(mallory, url(), 'remember', { key: 'k' }, { ...victim, 'mcp-session-id': 'made-up-session-id-0000' });
        assert.equal(madeUp.status, 400);
        assert.match(madeUp.text, /name different sessions/);
        const direct = await modernCall(mallory, url(), 'remember', { key: 'k' }, victim);
        assert.equal(direct.status, 404);
        assert.doesNotMatch(direct.text, /alice secret/);
        assert.equal(textOf(await client.callTool({ name: 'remember', arguments: { key: 'k' } })), 'alice secret');
        await client.close();
      });

      it("cannot reach the first caller's stateless worker by computing its id", async () => {
        const { alice, mallory, aliceOwner } = runtimes[kind];
        const { client } = await sdkClient(alice, url(), '2026-07-28');
        await client.callTool({ name: 'remember', arguments: { key: 's', value: 'alice stateless' } });
        const guessed = await modernCall(mallory, url(), 'remember', { key: 's' }, { [AGENTCORE]: guessableStatelessId(kind, ...aliceOwner) });
        assert.doesNotMatch(guessed.text, /alice stateless/);
        assert.equal(textOf(await client.callTool({ name: 'remember', arguments: { key: 's' } })), 'alice stateless');
        await client.close();
      });

      it("refuses a second caller who sends the first caller's 2025-11-25 session id in either session header", async () => {
        const { alice, mallory } = runtimes[kind];
        const { client, sessionId } = await sdkClient(alice, url(), '2025-11-25');
        const session = sessionId as string;
        await client.callTool({ name: 'remember', arguments: { key: 'k', value: 'alice legacy' } });
        for (const name of ['mcp-session-id', AGENTCORE]) {
          const response = await legacyCall(mallory, url(), 'remember', { key: 'k' }, { [name]: session });
          assert.equal(response.status, 404, name);
          assert.doesNotMatch(response.text, /alice legacy/);
        }
        await client.close();
      });
    });
  }

  it('refuses a body over the 4 MiB default with 413 once the cap is passed, a badly signed one without reading it all', async () => {
    const { alice } = runtimes.jwt;
    const big = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list', params: { pad: 'x'.repeat(4 * 1024 * 1024) } });
    const tooLarge = await answer(alice(invocationUrl(platform, 'jwt'), { method: 'POST', headers: MCP_HEADERS, body: big }));
    assert.equal(tooLarge.status, 413);
    assert.match(tooLarge.text, /limits\.maxBodyBytes/);
    // Signed for a small body, sent with 64 MiB streamed without a Content-Length: the signature can never match.
    const key = await platform.accessKeys.create({ owner: 'alice', description: 'body test' });
    const resigned = await signRequest(
      invocationUrl(platform, 'signed'),
      { method: 'POST', headers: MCP_HEADERS, body: '{}' },
      {
        region: 'us-east-1',
        credentials: { accessKeyId: key.accessKeyId, secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' },
      },
    );
    const chunk = new Uint8Array(1024 * 1024).fill(32);
    let sent = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent++ < 64) controller.enqueue(chunk);
        else controller.close();
      },
    });
    const headers = new Headers(resigned.headers);
    headers.delete('content-length');
    const badlySigned = await answer(fetch(resigned.url, { method: 'POST', headers, body: stream, duplex: 'half' } as RequestInit));
    assert.equal(badlySigned.status, 413);
    assert.match(badlySigned.text, /maxBodyBytes/);
  });
});
