// tools/list from the gateway's pre-serialised pages (src/gateway/list-cache.ts): what the cache answers must be what
// the SDK path answers, it must follow catalog changes and pages, and it must never skip a check the SDK makes.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CLIENT_CAPABILITIES_META_KEY, CLIENT_INFO_META_KEY, PROTOCOL_VERSION_META_KEY, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { Client } from '@modelcontextprotocol/client';
import { testPlatform } from '../helpers/platform.js';
import { api, connectGateway, gatewayUrl } from './helpers.js';
import { startUpstream, textTools, type Upstream } from './upstream.js';
import { closeAll } from '../helpers/teardown.js';

type Platform = Awaited<ReturnType<typeof testPlatform>>;
type Rpc = {
  jsonrpc: string;
  id: unknown;
  result?: { tools: { name: string }[]; nextCursor?: string; [key: string]: unknown };
  error?: { code: number; message: string };
};

const ENVELOPE = {
  [PROTOCOL_VERSION_META_KEY]: '2026-07-28',
  [CLIENT_INFO_META_KEY]: { name: 'list-cache-test', version: '1.0.0' },
  [CLIENT_CAPABILITIES_META_KEY]: {},
};

/** One raw POST of a tools/list; the answer parsed from JSON or from the SSE stream, with how it came. */
async function postList(
  url: URL,
  headers: Record<string, string>,
  body: Record<string, unknown>,
): Promise<{ status: number; contentType: string; cached: boolean; message: Rpc }> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers },
    body: JSON.stringify({ jsonrpc: '2.0', method: 'tools/list', ...body }),
  });
  const text = await response.text();
  const contentType = response.headers.get('content-type') ?? '';
  const data = contentType.startsWith('text/event-stream')
    ? (text
        .split('\n')
        .filter((line) => line.startsWith('data: {'))
        .map((line) => line.slice(6))
        .pop() ?? '{}')
    : text;
  // The cache sends one sized JSON body; the SDK streams (chunked).
  return { status: response.status, contentType, cached: response.headers.get('content-length') !== null, message: JSON.parse(data) as Rpc };
}

const modernHeaders = { 'mcp-protocol-version': '2026-07-28', 'mcp-method': 'tools/list' };

describe('tools/list from pre-serialised pages', () => {
  let platform: Platform;
  let upstream: Upstream;
  let legacy: { client: Client; transport: StreamableHTTPClientTransport };

  before(async () => {
    platform = await testPlatform();
    upstream = await startUpstream({ tools: textTools('one', 'two', 'three', 'four', 'five') });
    const created = await api(platform, 'POST', '/gateways', {
      name: 'paged',
      search: true,
      pageSize: 2,
      targets: [{ name: 'up', type: 'mcp', url: upstream.url }],
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const client = new Client({ name: 'list-cache-test', version: '1.0.0' }, { versionNegotiation: { mode: 'legacy' } });
    const transport = new StreamableHTTPClientTransport(gatewayUrl(platform, 'paged'));
    await client.connect(transport);
    legacy = { client, transport };
  });
  after(() =>
    closeAll(
      () => legacy?.client.close(),
      () => platform?.stop(),
      () => upstream?.close(),
    ),
  );

  it('answers a plain request of either revision with one JSON body equal to what the SDK path answers', async () => {
    const url = gatewayUrl(platform, 'paged');
    const session = { 'mcp-session-id': legacy.transport.sessionId as string, 'mcp-protocol-version': '2025-11-25' };
    const cases = [
      { era: '2025-11-25', headers: session, params: {} },
      { era: '2026-07-28', headers: modernHeaders, params: { _meta: ENVELOPE } },
    ];
    for (const { era, headers, params } of cases) {
      const cached = await postList(url, headers, { id: 7, params });
      assert.equal(cached.status, 200, era);
      assert.ok(cached.cached && cached.contentType === 'application/json', `${era}: answered from the cache`);
      // A field the cache does not handle sends the same request through the SDK, which ignores it.
      const viaSdk = await postList(url, headers, { id: 7, params: { ...params, unknownField: true } });
      assert.equal(viaSdk.cached, false, `${era}: the SDK answered`);
      assert.deepEqual(cached.message, viaSdk.message, `${era}: both paths answer alike`);
      assert.deepEqual(
        cached.message.result?.tools.map((tool) => tool.name),
        ['x_amz_bedrock_agentcore_search', 'up___one'],
        `${era}: the first page of 2, search tool first`,
      );
    }
  });

  it('walks every page by nextCursor and follows a catalog change at once', async () => {
    const walk = async (): Promise<string[][]> => {
      const pages: string[][] = [];
      let cursor: string | undefined;
      do {
        const { message, cached } = await postList(gatewayUrl(platform, 'paged'), modernHeaders, {
          id: pages.length,
          params: { ...(cursor ? { cursor } : {}), _meta: ENVELOPE },
        });
        assert.ok(cached, `page ${pages.length} from the cache`);
        pages.push((message.result?.tools ?? []).map((tool) => tool.name));
        cursor = message.result?.nextCursor;
      } while (cursor !== undefined && pages.length < 10);
      return pages;
    };
    assert.deepEqual(await walk(), [
      ['x_amz_bedrock_agentcore_search', 'up___one'],
      ['up___two', 'up___three'],
      ['up___four', 'up___five'],
    ]);
    upstream.setTools(textTools('one', 'six'));
    await api(platform, 'POST', '/gateways/paged/targets/up/sync');
    assert.deepEqual(await walk(), [['x_amz_bedrock_agentcore_search', 'up___one'], ['up___six']]);
    // The SDK client, which walks the pages itself, sees the same list.
    const client = await connectGateway(platform, 'paged', { era: 'modern' });
    assert.deepEqual(
      (await client.listTools()).tools.map((tool) => tool.name),
      ['x_amz_bedrock_agentcore_search', 'up___one', 'up___six'],
    );
    await client.close();
    upstream.setTools(textTools('one', 'two', 'three', 'four', 'five'));
    await api(platform, 'POST', '/gateways/paged/targets/up/sync');
  });

  it('leaves every refusal to the SDK: unknown sessions, bad versions and headers, bad cursors', async () => {
    const url = gatewayUrl(platform, 'paged');
    const unknown = await postList(url, { 'mcp-session-id': 'not-a-session' }, { id: 1 });
    assert.equal(unknown.status, 404);
    assert.match(unknown.message.error?.message ?? '', /does not exist/);
    const badVersion = await postList(url, { 'mcp-session-id': legacy.transport.sessionId as string, 'mcp-protocol-version': '1999-01-01' }, { id: 2 });
    assert.equal(badVersion.status, 400);
    const wrongMethodHeader = await postList(url, { ...modernHeaders, 'mcp-method': 'tools/call' }, { id: 3, params: { _meta: ENVELOPE } });
    assert.equal(wrongMethodHeader.status, 400, JSON.stringify(wrongMethodHeader.message));
    const badCursor = await postList(url, modernHeaders, { id: 4, params: { cursor: 'bm90LWEtY3Vyc29y', _meta: ENVELOPE } });
    assert.match(badCursor.message.error?.message ?? '', /invalid cursor/);
  });

  it('leaves a page with a non-object output schema to the SDK for 2025-11-25 sessions, which rewrites it for them', async () => {
    const listing = await startUpstream({
      tools: [
        { name: 'names', description: 'Lists names', inputSchema: { type: 'object' }, outputSchema: { type: 'array', items: { type: 'string' } } } as never,
      ],
    });
    try {
      const created = await api(platform, 'POST', '/gateways', { name: 'arrays', targets: [{ name: 'up', type: 'mcp', url: listing.url }] });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      const modern = await postList(gatewayUrl(platform, 'arrays'), modernHeaders, { id: 1, params: { _meta: ENVELOPE } });
      assert.ok(modern.cached, '2026-07-28 callers get the stored definition from the cache');
      const client = new Client({ name: 'list-cache-test', version: '1.0.0' }, { versionNegotiation: { mode: 'legacy' } });
      const transport = new StreamableHTTPClientTransport(gatewayUrl(platform, 'arrays'));
      await client.connect(transport);
      const legacyList = await postList(
        gatewayUrl(platform, 'arrays'),
        { 'mcp-session-id': transport.sessionId as string, 'mcp-protocol-version': '2025-11-25' },
        { id: 2 },
      );
      await client.close();
      assert.equal(legacyList.cached, false, 'the SDK answers the 2025-11-25 session');
      assert.deepEqual(
        legacyList.message.result?.tools.map((tool) => tool.name),
        ['up___names'],
      );
    } finally {
      await listing.close();
    }
  });

  it('does not serve a cached list on a gateway with permission rules (each caller sees what it may call)', async () => {
    const created = await api(platform, 'POST', '/gateways', {
      name: 'guarded',
      permissions: { 'up___t*': { scopes: ['never-granted'] } },
      targets: [{ name: 'up', type: 'mcp', url: upstream.url }],
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const listed = await postList(gatewayUrl(platform, 'guarded'), modernHeaders, { id: 1, params: { _meta: ENVELOPE } });
    assert.equal(listed.cached, false);
    assert.deepEqual(
      listed.message.result?.tools.map((tool) => tool.name),
      ['up___one', 'up___four', 'up___five'],
    );
  });
});
