import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { GREET_COMMAND, connectRuntime, invocationUrl, testPlatform, textOf } from '../helpers/platform.js';

type Platform = Awaited<ReturnType<typeof testPlatform>>;

const ODD_TEXT = `a\u0085b\u2028c\u2029d\re\u0000f\r\ng 🙂`;

// That the runtime cuts no call at 60 s is proven end to end by test/client/long-call.test.ts (through a runtime), the
// suite's one call past a minute.
describe('runtime streaming and request timeouts', () => {
  let platform: Platform;

  before(async () => {
    platform = await testPlatform();
    await platform.control.createRuntime('greet', { command: GREET_COMMAND, sessions: { warmPool: 1 } });
    // A warm worker: initialize counts against the 2 s too, and a sandbox can take that long to start on a busy machine.
    await platform.control.createRuntime('short', { command: GREET_COMMAND, sessions: { warmPool: 1 }, limits: { requestTimeout: '2s' } });
  });
  after(() => platform.stop());

  it('delivers U+0085, U+2028, U+2029, lone CR and NUL byte-identical', async () => {
    const { client, transport } = await connectRuntime(platform, 'greet');
    assert.equal(textOf(await client.callTool({ name: 'echo', arguments: { text: ODD_TEXT } })), ODD_TEXT);

    // The raw SSE bytes too: the JSON inside each data line must decode to the same text.
    const response = await fetch(invocationUrl(platform, 'greet'), {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        'mcp-session-id': transport.sessionId as string,
        'mcp-protocol-version': '2025-11-25',
      },
      body: JSON.stringify({ jsonrpc: '2.0', id: 42, method: 'tools/call', params: { name: 'echo', arguments: { text: ODD_TEXT } } }),
    });
    const raw = await response.text();
    const data = raw
      .split('\n')
      .filter((line) => line.startsWith('data: ') && line.length > 6)
      .map((line) => JSON.parse(line.slice(6)) as { id?: number; result?: unknown });
    assert.equal(textOf(data.find((message) => message.id === 42)?.result), ODD_TEXT);
    await transport.terminateSession();
  });

  it('passes progress notifications through before the result, as they happen', async () => {
    const { client, transport } = await connectRuntime(platform, 'greet');
    const events: { at: number; progress: number }[] = [];
    const started = Date.now();
    const result = await client.callTool(
      { name: 'slow_count', arguments: { steps: 4, intervalMs: 300 } },
      { onprogress: (p) => events.push({ at: Date.now() - started, progress: p.progress }) },
    );
    const finished = Date.now() - started;
    assert.match(textOf(result), /counted to 4/);
    assert.ok(events.length >= 3, `expected progress events, got ${events.length}`);
    assert.deepEqual(
      events.map((e) => e.progress),
      [...events.map((e) => e.progress)].sort((a, b) => a - b),
    );
    // Not buffered: the first notification arrived well before the call finished.
    assert.ok((events[0]?.at ?? finished) < finished - 500, `first progress at ${events[0]?.at} ms, result at ${finished} ms`);
    await transport.terminateSession();
  });

  it('cancels a request that outlives the runtime request timeout, with a clear error, and the session goes on', async () => {
    const { client, transport } = await connectRuntime(platform, 'short');
    await assert.rejects(
      client.callTool({ name: 'slow_count', arguments: { steps: 10, intervalMs: 500 } }, { timeout: 20_000 }),
      /ran longer than the runtime's request timeout \(2000 ms\) and was cancelled/,
    );
    assert.equal(textOf(await client.callTool({ name: 'echo', arguments: { text: 'after' } })), 'after');
    await transport.terminateSession();
  });
});
