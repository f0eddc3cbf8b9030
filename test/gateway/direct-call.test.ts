// A plain tools/call in a 2025-11-25 session goes to the session's SDK server beside the SDK's HTTP transport
// (src/gateway/session-transport.ts): its answers must be what the SDK path answers, for either revision, and every
// check (token, session owner, permissions, input, audit, cancellation) must still apply.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { startTestIssuer, type TestIssuer } from '../helpers/issuer.js';
import { GREET_COMMAND, eventually, testPlatform } from '../helpers/platform.js';
import { closeAll } from '../helpers/teardown.js';
import { api, connectGateway, gatewayUrl } from './helpers.js';
import { startUpstream, textTools, type Upstream } from './upstream.js';

type Platform = Awaited<ReturnType<typeof testPlatform>>;
type Rpc = { jsonrpc: string; id: unknown; result?: Record<string, unknown>; error?: { code: number; message: string; data?: Record<string, unknown> } };

const AUDIENCE = 'toolport-gateway';
const GREETING = 'Hello, Ada! Nice to meet you. This is a test message.';

/** One raw POST in a session; the answer parsed from JSON or from the SSE stream, and whether it came as one JSON body. */
async function post(
  url: URL,
  headers: Record<string, string>,
  message: Record<string, unknown>,
): Promise<{ status: number; direct: boolean; message: Rpc | undefined }> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': '2025-11-25', ...headers },
    body: JSON.stringify({ jsonrpc: '2.0', ...message }),
  });
  const text = await response.text();
  const json = (response.headers.get('content-type') ?? '').startsWith('application/json');
  const data = json
    ? text
    : text
        .split('\n')
        .filter((line) => line.startsWith('data: {'))
        .map((line) => line.slice(6))
        .pop();
  // The direct path answers with one sized JSON body; the SDK's transport streams its answer (or refuses in JSON, unsized).
  return { status: response.status, direct: json && response.headers.get('content-length') !== null, message: data ? (JSON.parse(data) as Rpc) : undefined };
}

/** An answer without what differs on every call: the request id the gateway names in errors. */
function comparable(message: Rpc | undefined): unknown {
  return JSON.parse(JSON.stringify(message ?? null).replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, 'REQUEST-ID'));
}

describe('a plain tools/call handed to the session server directly', () => {
  let issuer: TestIssuer;
  let platform: Platform;
  let upstream: Upstream;
  let owner: { client: Client; transport: StreamableHTTPClientTransport; token: string };
  const cancelled: string[] = [];
  const token = (sub: string, scope = ''): Promise<string> => issuer.mint({ aud: AUDIENCE, sub, client_id: 'direct-test', scope });

  before(async () => {
    issuer = await startTestIssuer();
    platform = await testPlatform();
    upstream = await startUpstream({
      tools: textTools('echo', 'broken', 'slow', 'secret'),
      behaviour: async (name, args, signal) => {
        if (name === 'broken') return { content: [{ type: 'text', text: 'it broke' }], isError: true };
        if (name === 'slow')
          await new Promise<void>((resolve) =>
            signal.addEventListener('abort', () => {
              cancelled.push(name);
              resolve();
            }),
          );
        return { content: [{ type: 'text', text: `${name} ${JSON.stringify(args)}` }] };
      },
    });
    assert.equal((await api(platform, 'POST', '/runtimes', { name: 'greet', command: GREET_COMMAND })).status, 201);
    const created = await api(platform, 'POST', '/gateways', {
      name: 'direct',
      auth: { jwt: { discoveryUrl: issuer.discoveryUrl, allowedAudiences: [AUDIENCE] } },
      audit: { arguments: true },
      permissions: { up___secret: { scopes: ['never-granted'] } },
      targets: [
        { name: 'greet', type: 'mcp', runtime: 'greet' },
        { name: 'up', type: 'mcp', url: upstream.url },
      ],
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const ownerToken = await token('owner');
    const client = new Client({ name: 'direct-test', version: '1.0.0' }, { versionNegotiation: { mode: 'legacy' } });
    const transport = new StreamableHTTPClientTransport(gatewayUrl(platform, 'direct'), {
      requestInit: { headers: { authorization: `Bearer ${ownerToken}` } },
    });
    await client.connect(transport);
    owner = { client, transport, token: ownerToken };
  });
  after(() =>
    closeAll(
      () => owner?.client.close(),
      () => platform?.stop(),
      () => upstream?.close(),
      () => issuer?.close(),
    ),
  );

  const session = (): Record<string, string> => ({ authorization: `Bearer ${owner.token}`, 'mcp-session-id': owner.transport.sessionId as string });

  it('answers success, a tool error, an unknown tool, a forbidden tool and bad arguments as the SDK path does', async () => {
    const url = gatewayUrl(platform, 'direct');
    const cases = [
      { name: 'greet___greet_user', arguments: { name: 'Ada' } },
      { name: 'up___broken', arguments: { text: 'x' } },
      { name: 'up___nothing', arguments: {} },
      { name: 'up___secret', arguments: { text: 'x' } },
      { name: 'up___echo', arguments: { text: 42 } },
    ];
    for (const [index, params] of cases.entries()) {
      const direct = await post(url, session(), { id: index, method: 'tools/call', params });
      assert.ok(direct.direct, `${params.name}: answered directly`);
      // A progress token takes the SDK's transport (progress streams); the tool sends none, so the answer is the same.
      const viaSdk = await post(url, session(), { id: index, method: 'tools/call', params: { ...params, _meta: { progressToken: 'p' } } });
      assert.equal(viaSdk.direct, false, `${params.name}: the SDK's transport answered`);
      assert.equal(direct.status, viaSdk.status, params.name);
      assert.deepEqual(comparable(direct.message), comparable(viaSdk.message), `${params.name}: both paths answer alike`);
    }
    const greeted = await post(url, session(), { id: 'greet', method: 'tools/call', params: cases[0] });
    assert.deepEqual(greeted.message?.result?.content, [{ type: 'text', text: GREETING }]);
  });

  it('answers a 2026-07-28 caller through the SDK with the same results and refusals', async () => {
    const modern = await connectGateway(platform, 'direct', { era: 'modern', token: owner.token });
    const legacy = owner.client;
    try {
      for (const [name, args] of [
        ['greet___greet_user', { name: 'Ada' }],
        ['up___broken', { text: 'x' }],
      ] as const) {
        const [old, next] = [await legacy.callTool({ name, arguments: args }), await modern.callTool({ name, arguments: args })];
        assert.deepEqual({ content: next.content, isError: next.isError }, { content: old.content, isError: old.isError }, name);
      }
      for (const name of ['up___nothing', 'up___secret']) {
        const refusal = async (client: Client): Promise<unknown> =>
          client.callTool({ name, arguments: { text: 'x' } }).then(
            () => assert.fail(`${name} was served`),
            (error: { code: number; data?: { code?: string } }) => ({ code: error.code, data: error.data?.code }),
          );
        assert.deepEqual(await refusal(modern), await refusal(legacy), name);
      }
    } finally {
      await modern.close();
    }
  });

  it('refuses a caller without a token, and a second caller in the first caller’s session, as the SDK path does', async () => {
    const url = gatewayUrl(platform, 'direct');
    const call = { id: 1, method: 'tools/call', params: { name: 'up___echo', arguments: { text: 'x' } } };
    const withProgress = { ...call, params: { ...call.params, _meta: { progressToken: 'p' } } };
    const anonymous = { 'mcp-session-id': owner.transport.sessionId as string };
    assert.equal((await post(url, anonymous, call)).status, 401);
    assert.equal((await post(url, anonymous, withProgress)).status, 401);
    const intruder = { ...session(), authorization: `Bearer ${await token('intruder')}` };
    const made = upstream.calls.length;
    const [plain, viaSdk] = [await post(url, intruder, call), await post(url, intruder, withProgress)];
    assert.equal(plain.status, 404);
    assert.equal(plain.message?.error?.data?.code, 'session_not_found');
    assert.deepEqual(comparable(plain.message), comparable(viaSdk.message));
    assert.equal(upstream.calls.length, made, 'the intruder never reached the target');
  });

  it('audits direct calls like any other', async () => {
    const before = upstream.calls.length;
    const direct = await post(gatewayUrl(platform, 'direct'), session(), {
      id: 'audited',
      method: 'tools/call',
      params: { name: 'up___echo', arguments: { text: 'audit-me' } },
    });
    assert.ok(direct.direct);
    assert.equal(upstream.calls.length, before + 1);
    await eventually(async () => {
      const { calls } = (await api(platform, 'GET', '/gateways/direct/calls?limit=100')).body;
      return calls.some((record) => record.subject === 'owner' && record.tool === 'up___echo' && record.status === 'ok');
    });
  });

  it('passes a caller’s notifications/cancelled on to the target and ends the reply without an answer', async () => {
    const url = gatewayUrl(platform, 'direct');
    const pending = post(url, session(), { id: 'to-cancel', method: 'tools/call', params: { name: 'up___slow', arguments: { text: 'x' } } });
    await eventually(() => upstream.calls.some((made) => made.name === 'slow'), 10_000, 'the slow call at the target');
    const notice = await post(url, session(), { method: 'notifications/cancelled', params: { requestId: 'to-cancel', reason: 'test' } });
    assert.equal(notice.status, 202);
    const reply = await pending;
    assert.equal(reply.message, undefined, 'no answer to a cancelled call');
    await eventually(() => cancelled.includes('slow'), 10_000, 'the target seeing the cancellation');
  });
});
