import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from '../../src/client/index.js';
import { GREET_COMMAND, testPlatform, textOf } from '../helpers/platform.js';

/**
 * The suite's one tool call past a minute (the MCP SDK's default request timeout is 60 s; a seed's users saw calls
 * "over a minute hanging"). It sends no progress until it ends, so nothing resets a timer: only a client without a
 * hidden cap gets the answer. It runs through a Toolport runtime with its default request timeout, so it is also the
 * runtime's proof that it cuts no call at 60 s (test/runtime/streaming.test.ts checks the timeout it does enforce).
 */
const LONG_CALL_MS = 62_000;

describe('a tool call longer than 60 s', () => {
  let platform: Awaited<ReturnType<typeof testPlatform>>;

  before(async () => {
    platform = await testPlatform();
    await platform.control.createRuntime('greet', { command: GREET_COMMAND, sessions: { warmPool: 0 } });
  });
  after(() => platform.stop());

  it(
    `completes a silent ${LONG_CALL_MS / 1000} s call through connect() with default options and a runtime with default limits`,
    { timeout: LONG_CALL_MS + 30_000 },
    async () => {
      const connection = await connect({ target: 'runtime:greet', server: platform.url });
      try {
        const started = Date.now();
        const result = await connection.client.callTool({ name: 'slow_count', arguments: { steps: 1, intervalMs: LONG_CALL_MS } });
        assert.equal(textOf(result), 'counted to 1');
        assert.ok(Date.now() - started >= LONG_CALL_MS);
      } finally {
        await connection.close();
      }
    },
  );
});
