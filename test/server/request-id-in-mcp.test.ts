// Errors answered inside an MCP exchange (a runtime session's, a gateway handler's) carry the id of the HTTP request
// they answer in `error.data.requestId`, the log line of that error carries the same id, and the internal words (a
// worker's stderr, a target's own error) stay in the log. A real platform and real workers, the SDK's client, both revisions.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { createLogger } from '../../src/log/index.js';
import { api, connectGateway, type Era } from '../gateway/helpers.js';
import { GREET_COMMAND, eventually, invocationUrl, testPlatform } from '../helpers/platform.js';
import { closeAll } from '../helpers/teardown.js';

/** An error as the SDK client raises it from a JSON-RPC error answer. */
type AnsweredError = Error & { code?: number; data?: { code?: string; requestId?: string; detail?: string } };

/** What a gateway handler that breaks unforeseen throws: words for the log, never for a caller. */
const BROKEN = 'catalog index corrupt at /var/lib/toolport/secret-table';
/** What the greet server's crash tool writes to stderr as it dies: words for the log, never for a caller. */
const CRASH_OUTPUT = /crash tool called/;
/**
 * The runtime's limits.requestTimeout, and the shorter timeout of a gateway target in front of it; a slow_count of
 * SLOW_STEPS steps outlives both. Generous enough for a worker to start on a loaded machine.
 */
const RUNTIME_TIMEOUT = '3s';
const TARGET_TIMEOUT = '1s';
const SLOW_STEPS = 20;
/** The runtime's limits.maxBodyBytes: far above any message of these tests. */
const MAX_BODY_BYTES = 64 * 1024;

describe('an error answered inside a runtime session or a gateway handler carries the request id of its log line', () => {
  let platform: Awaited<ReturnType<typeof testPlatform>>;
  const logged: Record<string, unknown>[] = [];
  /** The log lines with this message that name `requestId`. */
  const linesOf = (msg: string, requestId: string): Record<string, unknown>[] => logged.filter((line) => line.msg === msg && line.requestId === requestId);

  /** The error `call` fails with; it must carry a request id. */
  async function answeredError(call: Promise<unknown>): Promise<AnsweredError & { data: { code: string; requestId: string } }> {
    const error = (await call.then(
      () => assert.fail('the call was expected to fail'),
      (thrown: unknown) => thrown,
    )) as AnsweredError;
    assert.ok(error instanceof Error);
    assert.match(error.data?.requestId ?? '', /^[0-9a-f-]{36}$/, `no request id in ${JSON.stringify(error.data)}`);
    return error as AnsweredError & { data: { code: string; requestId: string } };
  }

  async function connectRuntime(era: Era): Promise<Client> {
    const client = new Client({ name: 'request-id-test', version: '1' }, { versionNegotiation: { mode: era === 'modern' ? { pin: '2026-07-28' } : 'legacy' } });
    await client.connect(new StreamableHTTPClientTransport(invocationUrl(platform, 'fragile')));
    return client;
  }

  before(async () => {
    platform = await testPlatform({ logger: createLogger('info', (line) => void logged.push(JSON.parse(line) as Record<string, unknown>)) });
    await platform.control.createRuntime('fragile', {
      command: GREET_COMMAND,
      sessions: { warmPool: 1 },
      limits: { requestTimeout: RUNTIME_TIMEOUT, maxBodyBytes: MAX_BODY_BYTES },
    });
    const created = await api(platform, 'POST', '/gateways', {
      name: 'front',
      auth: 'none',
      targets: [
        { name: 'fragile', type: 'mcp', runtime: 'fragile' },
        { name: 'hurried', type: 'mcp', runtime: 'fragile', timeout: TARGET_TIMEOUT },
      ],
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
  });
  after(() => closeAll(() => platform?.stop()));

  it('refuses a body that is not JSON, not a JSON-RPC message, or too large, with the id of its access-log line', async () => {
    const tooLarge = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping', params: { padding: 'x'.repeat(MAX_BODY_BYTES) } });
    const cases = [
      { body: '{not json', status: 400, code: -32700 },
      { body: '{"jsonrpc":"2.0","id":1}', status: 400, code: -32600 },
      { body: tooLarge, status: 413, code: -32600 },
    ];
    for (const { body, status, code } of cases) {
      const response = await fetch(invocationUrl(platform, 'fragile'), {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
        body,
      });
      assert.equal(response.status, status);
      const { error } = (await response.json()) as { error: { code: number; data: { requestId: string } } };
      assert.equal(error.code, code);
      await eventually(() => linesOf('invocation', error.data.requestId).length === 1, 5_000, 'the access-log line of the request');
    }
  });

  for (const era of ['legacy', 'modern'] as Era[]) {
    it(`a ${era} caller whose worker crashes mid-call is told so with the id of the failure's log line, not the worker's output`, async () => {
      const client = await connectRuntime(era);
      const error = await answeredError(client.callTool({ name: 'crash', arguments: {} }));
      assert.equal(error.data.code, 'worker_exited');
      assert.match(error.message, /exited with code 1/);
      assert.doesNotMatch(JSON.stringify({ message: error.message, data: error.data }), CRASH_OUTPUT);
      const [failed] = linesOf('request failed', error.data.requestId);
      assert.equal(failed?.code, 'worker_exited');
      assert.match(String(failed?.detail), CRASH_OUTPUT, 'the worker output is in the log line');
      // One id for the request: the runtime's access-log line of the same HTTP request carries it too.
      await eventually(() => linesOf('invocation', error.data.requestId).length === 1, 5_000, 'the access-log line of the request');
      await client.close().catch(() => undefined);
    });

    it(`a ${era} caller whose request outlives the runtime's request timeout gets the id of the timeout's log line`, async () => {
      const client = await connectRuntime(era);
      const error = await answeredError(client.callTool({ name: 'slow_count', arguments: { steps: SLOW_STEPS, intervalMs: 500 } }, { timeout: 30_000 }));
      assert.equal(error.data.code, 'worker_timeout');
      assert.equal(error.code, -32001);
      assert.match(error.message, /ran longer than the runtime's request timeout/);
      assert.equal(linesOf('request failed', error.data.requestId)[0]?.code, 'worker_timeout');
      await client.close();
    });

    it(`a ${era} gateway caller gets the request id of the log line for an unknown tool, an unknown resource and a target deadline`, async () => {
      const client = await connectGateway(platform, 'front', { era });
      const unknownTool = await answeredError(client.callTool({ name: 'fragile___nothing', arguments: {} }));
      assert.equal(unknownTool.data.code, 'unknown_tool');
      assert.equal(linesOf('tool call failed', unknownTool.data.requestId)[0]?.code, 'unknown_tool');

      const unknownResource = await answeredError(client.readResource({ uri: 'nothing://here' }));
      assert.equal(unknownResource.data.code, 'unknown_resource');
      assert.equal(linesOf('gateway request refused', unknownResource.data.requestId)[0]?.code, 'unknown_resource');

      const deadline = await answeredError(client.callTool({ name: 'hurried___slow_count', arguments: { steps: SLOW_STEPS, intervalMs: 500 } }));
      assert.equal(deadline.data.code, 'target_timeout');
      const [failed] = linesOf('tool call failed', deadline.data.requestId);
      assert.equal(failed?.code, 'target_timeout');
      assert.ok(typeof failed?.detail === 'string' && failed.detail.length > 0, 'the driver error is in the log line');
      assert.ok(!JSON.stringify({ message: deadline.message, data: deadline.data }).includes(failed.detail), 'the driver error never reaches the caller');
      await client.close();
    });

    it(`a ${era} gateway caller whose handler breaks unforeseen is told internal with the id of the logged stack, never its words`, async () => {
      const live = platform.gateways.gateway('front');
      assert.ok(live);
      const visible = live.resourcesVisibleTo.bind(live);
      // A fault injected into the running gateway: the handler behind resources/list throws what no code foresaw.
      live.resourcesVisibleTo = () => {
        throw new Error(BROKEN);
      };
      const client = await connectGateway(platform, 'front', { era });
      try {
        const error = await answeredError(client.listResources());
        assert.equal(error.data.code, 'internal');
        assert.match(error.message, new RegExp(error.data.requestId));
        assert.doesNotMatch(JSON.stringify({ message: error.message, data: error.data }), /catalog index|secret-table/);
        assert.match(String(linesOf('gateway request failed', error.data.requestId)[0]?.error), /catalog index corrupt/);
      } finally {
        live.resourcesVisibleTo = visible;
        await client.close();
      }
    });

    it(`a ${era} gateway caller whose runtime target's worker crashes gets the one id of its request, which the runtime logs too`, async () => {
      const client = await connectGateway(platform, 'front', { era });
      const error = await answeredError(client.callTool({ name: 'fragile___crash', arguments: {} }));
      assert.equal(error.data.code, 'worker_exited');
      assert.doesNotMatch(JSON.stringify({ message: error.message, data: error.data }), CRASH_OUTPUT);
      assert.equal(linesOf('request failed', error.data.requestId)[0]?.code, 'worker_exited');
      // The access-log line is written once the answer has left (afterAnswersLeave): wait for it, briefly.
      const deadline = Date.now() + 2_000;
      while (linesOf('invocation', error.data.requestId).length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
      assert.equal(linesOf('invocation', error.data.requestId)[0]?.via, 'in-process', "the runtime's in-process access-log line has the gateway request's id");
      await client.close();
    });
  }
});
