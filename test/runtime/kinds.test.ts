import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { createLogger } from '../../src/log/index.js';
import { connectRuntime, eventually, invocationUrl, processAlive, testPlatform, textOf, whoami } from '../helpers/platform.js';

type Platform = Awaited<ReturnType<typeof testPlatform>>;

describe('runtime kinds: Streamable HTTP servers, tool modules, memory limits', () => {
  let platform: Platform;
  const logged: Record<string, unknown>[] = [];

  before(async () => {
    platform = await testPlatform({ logger: createLogger('warn', (line) => void logged.push(JSON.parse(line) as Record<string, unknown>)) });
    await platform.control.createRuntime('greet-http', {
      command: ['node', 'examples/greet/server.js', '--http', '--port', '{port}', '--path', '/custom-mcp'],
      transport: 'http',
      path: '/custom-mcp',
      sessions: { warmPool: 1 },
    });
    await platform.control.createRuntime('legacy', { command: ['node', '--import', 'tsx', 'test/fixtures/legacy-only-server.ts'], sessions: { warmPool: 0 } });
    await platform.control.createRuntime('modern', { command: ['node', '--import', 'tsx', 'test/fixtures/modern-only-server.ts'], sessions: { warmPool: 0 } });
    await platform.control.createRuntime('module', {
      module: 'test/fixtures/memory-tools.ts',
      sessions: { warmPool: 0 },
      limits: { memoryMb: 200 },
    });
  });
  after(() => platform.stop());

  it('fails the first call of a module runtime whose import fails at once, the error from its stderr in the log line of its request id (warm and cold)', async () => {
    for (const warmPool of [0, 1]) {
      const name = `unimportable-${warmPool}`;
      await platform.control.createRuntime(name, { module: 'test/fixtures/unimportable-tools.ts', sessions: { warmPool } });
      await assert.rejects(connectRuntime(platform, name), (error: Error & { data?: { code?: string; requestId?: string } }) => {
        assert.equal(error.data?.code, 'worker_exited');
        assert.match(error.message, /exited with code 1/);
        assert.doesNotMatch(error.message, /ERR_MODULE_NOT_FOUND/, "the worker's output is for the log, not the caller");
        const failed = logged.find((line) => line.msg === 'request failed' && line.requestId === error.data?.requestId);
        assert.match(String(failed?.detail), /ERR_MODULE_NOT_FOUND.*toolport-fixture-missing-package/);
        return true;
      });
    }
  });

  it('hosts a Streamable HTTP server on its own port and path, one process per session', async () => {
    const a = await connectRuntime(platform, 'greet-http');
    const b = await connectRuntime(platform, 'greet-http');
    assert.equal(
      textOf(await a.client.callTool({ name: 'greet_user', arguments: { name: 'Http' } })),
      'Hello, Http! Nice to meet you. This is a test message.',
    );
    const [whoA, whoB] = [await whoami(a.client), await whoami(b.client)];
    assert.notEqual(whoA.home, whoB.home, 'each session has its own worker (a sandbox numbers its pids from 1)');
    assert.ok(whoA.envKeys.includes('PORT'));
    await Promise.all([a.transport.terminateSession(), b.transport.terminateSession()]);
  });

  it('serves 2026-07-28 clients from a server that speaks only 2025-11-25, and 2025 clients as before', async () => {
    const modern = new Client({ name: 'modern', version: '1' }, { versionNegotiation: { mode: { pin: '2026-07-28' } } });
    await modern.connect(new StreamableHTTPClientTransport(invocationUrl(platform, 'legacy')));
    assert.equal(modern.getServerVersion()?.name, 'legacy-only');
    assert.deepEqual(
      (await modern.listTools()).tools.map((tool) => tool.name),
      ['shout'],
    );
    assert.equal(textOf(await modern.callTool({ name: 'shout', arguments: { text: 'quiet' } })), 'QUIET');
    await modern.close();

    const classic = await connectRuntime(platform, 'legacy');
    assert.equal(textOf(await classic.client.callTool({ name: 'shout', arguments: { text: 'hi' } })), 'HI');
    await classic.transport.terminateSession();
  });

  it('serves 2025-11-25 clients from a server that speaks only 2026-07-28', async () => {
    const { client, transport } = await connectRuntime(platform, 'modern');
    assert.equal(client.getServerVersion()?.name, 'modern-only');
    assert.deepEqual(
      (await client.listTools()).tools.map((tool) => tool.name),
      ['whisper'],
    );
    assert.equal(textOf(await client.callTool({ name: 'whisper', arguments: { text: 'HeLLo' } })), 'hello');
    await transport.terminateSession();
  });

  it('hosts a TypeScript module of defineTool tools, schema derived from the code', async () => {
    const { client, transport } = await connectRuntime(platform, 'module');
    const { tools } = await client.listTools();
    const add = tools.find((tool) => tool.name === 'add');
    assert.deepEqual((add?.inputSchema.properties as Record<string, { description?: string }>).a?.description, 'First addend');
    const result = await client.callTool({ name: 'add', arguments: { a: 2, b: 40 } });
    assert.deepEqual(result.structuredContent, { sum: 42 });
    await transport.terminateSession();
  });

  it('stops a worker that exceeds its memory limit, failing only that session with a clear error', async () => {
    const hog = await connectRuntime(platform, 'module');
    const bystander = await connectRuntime(platform, 'module');
    const pid = platform.runtimes.listSessions('module').find((s) => s.id === hog.transport.sessionId)?.pid ?? -1;
    await assert.rejects(hog.client.callTool({ name: 'allocate', arguments: { megabytes: 400 } }, { timeout: 20_000 }), /memory limit/);
    await eventually(() => !processAlive(pid), 5_000, 'the hog worker to be gone');
    assert.deepEqual((await bystander.client.callTool({ name: 'add', arguments: { a: 1, b: 1 } })).structuredContent, { sum: 2 });
    await bystander.transport.terminateSession();
  });
});
