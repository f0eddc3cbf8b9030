import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { Tool } from '@modelcontextprotocol/server';
import { testPlatform } from '../helpers/platform.js';
import { api, connectGateway } from './helpers.js';
import { startUpstream, type Upstream } from './upstream.js';
import { closeAll } from '../helpers/teardown.js';

type Platform = Awaited<ReturnType<typeof testPlatform>>;

/** Words that mean "money back" share one dimension, as a real embedding model would place them close together. */
const CONCEPTS: Record<string, number> = { refund: 0, reimburse: 0, money: 0, back: 0, repay: 0, list: 1, show: 1, invoices: 2, invoice: 2, customer: 3 };

function embed(text: string): number[] {
  const vector = new Array<number>(4).fill(0);
  for (const word of text.toLowerCase().split(/[^a-z]+/)) {
    const dimension = CONCEPTS[word];
    if (dimension !== undefined) vector[dimension] = (vector[dimension] ?? 0) + 1;
  }
  return vector;
}

/** A local server speaking OpenAI's POST /v1/embeddings wire format (the hosted API is unreachable from tests). */
async function startEmbeddings(): Promise<{ url: string; requests: { model: string; input: string[]; authorization?: string }[]; close(): Promise<void> }> {
  const requests: { model: string; input: string[]; authorization?: string }[] = [];
  const server: Server = createServer((req, res) => {
    let raw = '';
    req.on('data', (chunk: Buffer) => (raw += chunk.toString('utf8')));
    req.on('end', () => {
      if (req.method !== 'POST' || req.url !== '/v1/embeddings') return void res.writeHead(404).end();
      const body = JSON.parse(raw) as { model: string; input: string[] };
      requests.push({ ...body, ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}) });
      res.writeHead(200, { 'content-type': 'application/json' }).end(
        JSON.stringify({
          object: 'list',
          data: body.input.map((text, index) => ({ object: 'embedding', index, embedding: embed(text) })),
          model: body.model,
          usage: { prompt_tokens: body.input.length, total_tokens: body.input.length },
        }),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}/v1`,
    requests,
    close: () => new Promise((done) => server.close(() => done())),
  };
}

const TOOLS: Tool[] = [
  { name: 'list_invoices', description: 'List the invoices of a customer', inputSchema: { type: 'object', properties: { customer: { type: 'string' } } } },
  { name: 'refund_invoice', description: 'Refund an invoice', inputSchema: { type: 'object', properties: { invoice: { type: 'string' } } } },
  { name: 'weather', description: 'Weather forecast for a city', inputSchema: { type: 'object', properties: { city: { type: 'string' } } } },
];

describe('the search tool with an embedding provider', () => {
  let platform: Platform;
  let upstream: Upstream;
  let embeddings: Awaited<ReturnType<typeof startEmbeddings>>;

  before(async () => {
    process.env.TOOLPORT_TEST_EMBED_KEY = 'sk-test-embeddings';
    platform = await testPlatform();
    upstream = await startUpstream({ tools: TOOLS });
    embeddings = await startEmbeddings();
    const search = { name: 'find', embeddings: { url: embeddings.url, model: 'text-embedding-3-small', apiKey: 'env:TOOLPORT_TEST_EMBED_KEY', weight: 0.7 } };
    for (const [name, spec] of [
      ['lexical', { name: 'find' }],
      ['blended', search],
    ] as const) {
      const created = await api(platform, 'POST', '/gateways', { name, search: spec, targets: [{ name: 'billing', type: 'mcp', url: upstream.url }] });
      assert.equal(created.status, 201, JSON.stringify(created.body));
    }
  });
  after(() =>
    closeAll(
      () => delete process.env.TOOLPORT_TEST_EMBED_KEY,
      () => platform?.stop(),
      () => upstream?.close(),
      () => embeddings?.close(),
    ),
  );

  const find = async (gateway: string, query: string): Promise<string[]> => {
    const client = await connectGateway(platform, gateway, { era: 'modern' });
    const result = await client.callTool({ name: 'find', arguments: { query } });
    await client.close();
    return (result.structuredContent as { tools: { name: string }[] }).tools.map((t) => t.name);
  };

  it("blends embedding similarity into the ranking of the offline ranker's candidates", async () => {
    const query = 'give the customer their money back for an invoice';
    const lexical = await find('lexical', query);
    assert.equal(lexical[0], 'billing___list_invoices', 'words alone favour the tool that mentions the customer');
    const blended = await find('blended', query);
    assert.equal(blended[0], 'billing___refund_invoice', 'meaning moves the refund tool up');
    const request = embeddings.requests.at(-1)!;
    assert.equal(request.model, 'text-embedding-3-small');
    assert.equal(request.authorization, 'Bearer sk-test-embeddings');
    assert.ok(embeddings.requests.flatMap((r) => r.input).includes(query));
  });

  it('embeds each tool once (cached) and falls back to the offline ranker when the provider fails', async () => {
    const before = embeddings.requests.length;
    await find('blended', 'refund an invoice');
    const inputs = embeddings.requests.slice(before).flatMap((r) => r.input);
    assert.deepEqual(inputs, ['refund an invoice'], 'only the new query was embedded');
    await embeddings.close();
    const fallback = await find('blended', 'refund an invoice');
    assert.equal(fallback[0], 'billing___refund_invoice');
  });

  it('refuses a search without a query with a clear error', async () => {
    const client = await connectGateway(platform, 'lexical');
    await assert.rejects(client.callTool({ name: 'find', arguments: {} }), /must have required property 'query'/);
    await client.close();
  });

  it('refuses a query over 1000 characters before ranking it, and says so in the schema', async () => {
    for (const era of ['legacy', 'modern'] as const) {
      const client = await connectGateway(platform, 'lexical', { era });
      const { tools } = await client.listTools();
      const query = (tools.find((tool) => tool.name === 'find')?.inputSchema.properties as Record<string, { maxLength?: number }>).query;
      assert.equal(query?.maxLength, 1000);
      const longest = await client.callTool({ name: 'find', arguments: { query: `refund invoice ${'x'.repeat(1000 - 15)}` } });
      assert.equal((longest.structuredContent as { tools: { name: string }[] }).tools[0]?.name, 'billing___refund_invoice');
      for (const length of [1001, 200_000]) {
        await assert.rejects(
          client.callTool({ name: 'find', arguments: { query: `refund invoice ${'y '.repeat(length)}` } }),
          /must NOT have more than 1000 characters/,
        );
      }
      await client.close();
    }
  });
});
