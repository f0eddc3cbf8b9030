/**
 * Runs the official MCP conformance suite against a GATEWAY fronting examples/conformance/server.ts (its Streamable
 * HTTP mode) as an mcp target with `prefix: false`, so the scenarios find the fixture's tool and prompt names, for
 * both revisions. Expected failures: expected-failures.json (the fixture's own) plus expected-failures-gateway.json.
 * Also: a 2025-11-25 client reaches a server that speaks only 2026-07-28 through the gateway, and the reverse.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { startHttpServer, type RunningHttpServer } from '../../examples/conformance/server.js';
import { testPlatform } from '../helpers/platform.js';
import { differenceFromExpected, runConformance, type ConformanceRevision, type ExpectedFailure } from './run-conformance.js';
import { closeAll } from '../helpers/teardown.js';

const read = (file: string): Record<ConformanceRevision, ExpectedFailure[]> =>
  JSON.parse(readFileSync(new URL(file, import.meta.url), 'utf8')) as Record<ConformanceRevision, ExpectedFailure[]>;
const fixtureFailures = read('./expected-failures.json');
const gatewayFailures = read('./expected-failures-gateway.json');
const SUITE_TIMEOUT_MS = 150_000;
const TSX = ['node', '--import', 'tsx'];

async function post(platform: { url: string; adminToken: string }, path: string, body: unknown): Promise<void> {
  const response = await fetch(`${platform.url}/api${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${platform.adminToken}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  assert.equal(response.status, 201, await response.text());
}

describe('conformance suite against a gateway fronting the conformance server', { timeout: 400_000, concurrency: 1 }, () => {
  let platform: Awaited<ReturnType<typeof testPlatform>>;
  let fixture: RunningHttpServer;

  before(async () => {
    fixture = await startHttpServer({ port: 0, onerror: () => undefined });
    platform = await testPlatform();
    await post(platform, '/gateways', { name: 'conformance', targets: [{ name: 'conformance', type: 'mcp', url: fixture.url, prefix: false }] });
  });
  after(() =>
    closeAll(
      () => platform?.stop(),
      () => fixture?.close(),
    ),
  );

  for (const revision of ['2025-11-25', '2026-07-28'] as const) {
    it(`passes every ${revision} server scenario except the expected failures`, { timeout: SUITE_TIMEOUT_MS + 10_000 }, async (t) => {
      const result = await runConformance({ url: `${platform.url}/gateways/conformance/mcp`, revision, timeoutMs: SUITE_TIMEOUT_MS, signal: t.signal });
      t.diagnostic(`${revision} through the gateway: ${result.passed.length} passed, ${result.failed.length} failed`);
      const difference = differenceFromExpected(result, [...fixtureFailures[revision], ...gatewayFailures[revision]]);
      assert.equal(difference, undefined, difference ?? '');
      assert.ok(result.passed.length > 0, 'no scenario passed');
    });
  }
});

describe('clients of one revision reach servers of the other through the gateway', () => {
  let platform: Awaited<ReturnType<typeof testPlatform>>;

  before(async () => {
    platform = await testPlatform();
    await post(platform, '/gateways', {
      name: 'eras',
      targets: [
        { name: 'modern', type: 'mcp', command: [...TSX, 'test/fixtures/modern-only-server.ts'], prefix: false },
        { name: 'legacy', type: 'mcp', command: [...TSX, 'test/fixtures/legacy-only-server.ts'], prefix: false },
      ],
    });
  });
  after(() => platform.stop());

  const connect = async (mode: 'legacy' | { pin: string }): Promise<Client> => {
    const client = new Client({ name: 'era-test', version: '1.0.0' }, { versionNegotiation: { mode } });
    await client.connect(new StreamableHTTPClientTransport(new URL(`${platform.url}/gateways/eras/mcp`)));
    return client;
  };
  const text = (result: unknown): string => (result as { content: { text: string }[] }).content[0]?.text ?? '';

  it('a 2025-11-25 client (initialize, session) calls a server that speaks only 2026-07-28', async () => {
    const client = await connect('legacy');
    assert.equal(client.getNegotiatedProtocolVersion(), '2025-11-25');
    assert.ok((await client.listTools()).tools.some((tool) => tool.name === 'whisper'));
    assert.equal(text(await client.callTool({ name: 'whisper', arguments: { text: 'QUIET PLEASE' } })), 'quiet please');
    await client.close();
  });

  it('a 2026-07-28 client (per-request envelope) calls a server that speaks only 2025-11-25', async () => {
    const client = await connect({ pin: '2026-07-28' });
    assert.equal(client.getNegotiatedProtocolVersion(), '2026-07-28');
    assert.ok((await client.listTools()).tools.some((tool) => tool.name === 'shout'));
    assert.equal(text(await client.callTool({ name: 'shout', arguments: { text: 'louder' } })), 'LOUDER');
    await client.close();
  });
});
