import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { SdkError, SdkErrorCode } from '@modelcontextprotocol/client';
import { connect, type SessionReplaced } from '../../src/client/index.js';
import { GREET_COMMAND, eventually, testPlatform, textOf } from '../helpers/platform.js';
import { startFlakyProxy, type FlakyProxy } from './flaky-proxy.js';
import { closeAll } from '../helpers/teardown.js';

type Platform = Awaited<ReturnType<typeof testPlatform>>;

const ODD_TEXT = `a\u0085b\u2028c\u2029d \x85 end\r\n🙂 \u2028\u2029\u0085`;
const FAST_RETRY = { baseDelayMs: 5, maxDelayMs: 50 };

describe('client resilience over real HTTP (Toolport runtime behind a faulty proxy)', () => {
  let platform: Platform;
  let proxy: FlakyProxy;
  const greetPath = '/runtimes/greet/invocations?qualifier=DEFAULT';

  before(async () => {
    platform = await testPlatform();
    await platform.control.createRuntime('greet', { command: GREET_COMMAND, sessions: { warmPool: 1 } });
    await platform.control.createRuntime('brief', { command: GREET_COMMAND, sessions: { warmPool: 0, idleTimeout: '1s' } });
    proxy = await startFlakyProxy(platform.url);
  });
  after(() =>
    closeAll(
      () => proxy?.close(),
      () => platform?.stop(),
    ),
  );

  it('retries refusals, dropped connections and 5xx for safe requests, with backoff', async () => {
    const connection = await connect({ target: proxy.url(greetPath), retry: FAST_RETRY });
    try {
      proxy.inject('tools/list', 'status-503', 'reset-before', 'status-429');
      const { tools } = await connection.client.listTools();
      assert.ok(tools.some((tool) => tool.name === 'echo'));
      assert.equal(proxy.seen.get('tools/list'), 4, 'three failures, then the answer');
      assert.equal(proxy.forwarded.get('tools/list'), 1);
    } finally {
      await connection.close();
    }
  });

  it('never re-sends a tools/call that may have reached the server, but does retry one that was refused', async () => {
    const connection = await connect({ target: proxy.url(greetPath), retry: FAST_RETRY });
    try {
      const before = proxy.forwarded.get('tools/call') ?? 0;
      proxy.inject('tools/call', 'forward-then-502');
      await assert.rejects(connection.client.callTool({ name: 'remember', arguments: { key: 'k', value: 'once' } }), /502|bad gateway/i);
      assert.equal((proxy.forwarded.get('tools/call') ?? 0) - before, 1, 'the call reached the server once and was not repeated');

      proxy.inject('tools/call', 'reset-before');
      await assert.rejects(connection.client.callTool({ name: 'echo', arguments: { text: 'x' } }), /fetch failed|socket|ECONNRESET|closed/i);
      assert.equal((proxy.forwarded.get('tools/call') ?? 0) - before, 1, 'a dropped tools/call is reported, not re-sent');

      // 429 means the server did not take the call: sending it again is safe.
      proxy.inject('tools/call', 'status-429');
      assert.equal(textOf(await connection.client.callTool({ name: 'echo', arguments: { text: 'again' } })), 'again');
      assert.equal((proxy.forwarded.get('tools/call') ?? 0) - before, 2);
    } finally {
      await connection.close();
    }
  });

  it('re-initializes transparently once the runtime reaped an idle session', async () => {
    const replaced: SessionReplaced[] = [];
    // A 2025-11-25 session, as AgentCore serves them today (2026-07-28 has no sessions to lose).
    const connection = await connect({
      target: 'runtime:brief',
      server: platform.url,
      protocol: '2025-11-25',
      onSessionReplaced: (event) => replaced.push(event),
    });
    try {
      assert.equal(textOf(await connection.client.callTool({ name: 'echo', arguments: { text: 'before' } })), 'before');
      assert.equal(platform.runtimes.listSessions('brief').length, 1);
      await eventually(() => platform.runtimes.listSessions('brief').length === 0, 10_000, 'the idle session to be reaped');

      assert.equal(textOf(await connection.client.callTool({ name: 'echo', arguments: { text: 'after' } })), 'after');
      assert.equal(replaced.length, 1);
      assert.notEqual(replaced[0]?.expired, replaced[0]?.replacement);
      assert.deepEqual(
        platform.runtimes.listSessions('brief').map((session) => session.id),
        [replaced[0]?.replacement],
      );
      // Later requests go straight to the new session.
      assert.ok((await connection.client.listTools()).tools.length > 0);
      assert.equal(replaced.length, 1);
    } finally {
      await connection.close();
    }
  });

  it('delivers U+0085, U+2028 and U+2029 intact, also when every byte arrives in its own chunk', async () => {
    for (const trickle of [false, true]) {
      proxy.trickle = trickle;
      const connection = await connect({ target: proxy.url(greetPath) });
      try {
        const result = await connection.client.callTool({ name: 'echo', arguments: { text: ODD_TEXT } });
        assert.equal(textOf(result), ODD_TEXT, `trickle=${trickle}`);
      } finally {
        await connection.close();
        proxy.trickle = false;
      }
    }
  });

  it('speaks 2026-07-28 by default with a server that does, and retries the same', async () => {
    const connection = await connect({ target: proxy.url(greetPath), retry: FAST_RETRY });
    try {
      assert.equal(connection.client.getNegotiatedProtocolVersion(), '2026-07-28');
      proxy.inject('tools/list', 'status-503');
      assert.ok((await connection.client.listTools()).tools.some((tool) => tool.name === 'echo'));
      assert.equal(textOf(await connection.client.callTool({ name: 'echo', arguments: { text: ODD_TEXT } })), ODD_TEXT);
    } finally {
      await connection.close();
    }
  });

  it('surfaces progress notifications and honours a per-request timeout without a hidden default', async () => {
    const progress: number[] = [];
    const connection = await connect({ target: 'runtime:greet', server: platform.url, onProgress: (p) => progress.push(p.progress), timeoutMs: 1_500 });
    try {
      assert.equal(textOf(await connection.client.callTool({ name: 'slow_count', arguments: { steps: 3, intervalMs: 20 } })), 'counted to 3');
      assert.deepEqual(progress, [1, 2, 3]);
      const failure = await connection.client.callTool({ name: 'slow_count', arguments: { steps: 1, intervalMs: 5_000 } }).catch((error: unknown) => error);
      assert.ok(failure instanceof SdkError && failure.code === SdkErrorCode.RequestTimeout, String(failure));
      assert.match(connection.explain(failure).message, /no answer within 1500 ms — raise --timeout/);
    } finally {
      await connection.close();
    }
  });
});
