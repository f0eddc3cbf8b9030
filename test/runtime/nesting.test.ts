import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { JSONRPCMessage } from '@modelcontextprotocol/server';
import { runtimeSpecSchema } from '../../src/config/index.js';
import { exceedsJsonDepth, MAX_JSON_DEPTH } from '../../src/http/index.js';
import { createLogger } from '../../src/log/index.js';
import { Session } from '../../src/runtime/session.js';
import { Worker } from '../../src/runtime/index.js';
import { GREET_COMMAND, invocationUrl, testPlatform } from '../helpers/platform.js';

const MCP_HEADERS = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
const nested = (levels: number): string => `${'['.repeat(levels)}${']'.repeat(levels)}`;

describe('deeply nested JSON', () => {
  let platform: Awaited<ReturnType<typeof testPlatform>>;
  before(async () => {
    platform = await testPlatform();
    await platform.control.createRuntime('greet', { command: GREET_COMMAND, sessions: { warmPool: 0 } });
  });
  after(() => platform.stop());

  it('counts nesting outside strings only, up to the bound', () => {
    assert.equal(exceedsJsonDepth(nested(MAX_JSON_DEPTH)), false);
    assert.equal(exceedsJsonDepth(nested(MAX_JSON_DEPTH + 1)), true);
    assert.equal(exceedsJsonDepth(JSON.stringify({ text: '[[[[\\"{{{{'.repeat(100) })), false);
  });

  it('is refused at the runtime edge with 400 before any worker sees it (100,000 levels)', async () => {
    const params = `{"pad":${nested(100_000)}}`;
    const body = `{"jsonrpc":"2.0","id":1,"method":"tools/list","params":${params}}`;
    const response = await fetch(invocationUrl(platform, 'greet'), {
      method: 'POST',
      headers: { ...MCP_HEADERS, 'mcp-protocol-version': '2026-07-28', 'mcp-method': 'tools/list' },
      body,
    });
    assert.equal(response.status, 400);
    assert.match(((await response.json()) as { error: { message: string } }).error.message, /deeper than 128 levels/);
    assert.equal(platform.runtimes.workersAssigned, 0);
  });

  it('is refused at the gateway edge with 400 too', async () => {
    await platform.gatewayService.createGateway('nested', { auth: 'none', targets: [] });
    const response = await fetch(`${platform.url}/gateways/nested/mcp`, {
      method: 'POST',
      headers: { ...MCP_HEADERS, 'mcp-protocol-version': '2025-11-25' },
      body: `{"jsonrpc":"2.0","id":1,"method":"tools/list","params":{"pad":${nested(100_000)}}}`,
    });
    assert.equal(response.status, 400);
    assert.match(((await response.json()) as { error: { message: string } }).error.message, /deeper than 128 levels/);
  });

  it('settles a request the worker cannot be sent with -32603 at once, not at the request timeout', async () => {
    const spec = runtimeSpecSchema.parse({ command: GREET_COMMAND });
    const log = createLogger('error');
    const session = new Session('nesting-test', 'greet', 1, await Worker.start(spec, log), 15 * 60_000, log);
    let deep: unknown = 'x';
    for (let level = 0; level < 100_000; level++) deep = [deep];
    const answers: JSONRPCMessage[] = [];
    const sink = { send: async (message: JSONRPCMessage) => void answers.push(message) };
    await assert.rejects(
      session.fromCaller(
        { jsonrpc: '2.0', id: 7, method: 'tools/call', params: { name: 'x', arguments: { deep } } } as JSONRPCMessage,
        sink,
        'nesting-request',
      ),
    );
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(session.inFlight, 0);
    const [answer] = answers as { id: number; error: { code: number; message: string; data: unknown } }[];
    assert.equal(answer?.id, 7);
    assert.equal(answer?.error.code, -32603);
    assert.match(answer?.error.message ?? '', /could not be passed to the hosted MCP server/);
    assert.deepEqual(answer?.error.data, { code: 'worker_unavailable', requestId: 'nesting-request' });
    await session.end('shutdown');
  });
});
