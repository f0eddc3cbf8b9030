import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createLogger } from '../../src/log/index.js';
import { testPlatform } from '../helpers/platform.js';

type Platform = Awaited<ReturnType<typeof testPlatform>>;

/** What a store that has broken underneath the platform throws: words no caller may read. */
const BROKEN = 'disk failure reading /var/lib/toolport/secret-table';

const INITIALIZE = JSON.stringify({
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'test', version: '1' } },
});

describe('every error a caller sees carries a request id that is also in the log line', () => {
  let platform: Platform;
  const logged: string[] = [];
  /** The log lines (parsed) that name `requestId`. */
  const linesWith = (requestId: string): Record<string, unknown>[] =>
    logged.filter((line) => line.includes(requestId)).map((line) => JSON.parse(line) as Record<string, unknown>);

  before(async () => {
    platform = await testPlatform({ logger: createLogger('info', (line) => logged.push(line)) });
    // A store failure is not a ToolportError: the edges must answer it as an internal error, never in its own words.
    platform.store.getRuntime = () => Promise.reject(new Error(BROKEN));
  });
  after(() => platform.stop());

  it("answers the edge's 500 with a request id, and logs the stack under that id", async () => {
    const response = await fetch(`${platform.url}/api/runtimes/anything`, { headers: { authorization: `Bearer ${platform.adminToken}` } });
    const text = await response.text();
    assert.equal(response.status, 500, text);
    assert.doesNotMatch(text, /disk failure|secret-table/);
    const { error } = JSON.parse(text) as { error: { code: string; message: string; requestId: string } };
    assert.equal(error.code, 'internal');
    assert.match(error.message, new RegExp(error.requestId));
    const [line] = linesWith(error.requestId);
    assert.equal(line?.msg, 'request failed');
    assert.match(String(line?.error), /disk failure/);
  });

  it("answers the runtime edge's internal failure with a request id, and logs the stack under that id", async () => {
    const response = await fetch(`${platform.url}/runtimes/anything/invocations`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: INITIALIZE,
    });
    const text = await response.text();
    assert.equal(response.status, 503, text);
    assert.doesNotMatch(text, /disk failure|secret-table/);
    const { error } = JSON.parse(text) as { error: { code: number; message: string; data: { code: string; requestId: string } } };
    assert.equal(error.data.code, 'worker_unavailable');
    assert.match(error.message, new RegExp(error.data.requestId));
    const failed = linesWith(error.data.requestId).find((line) => line.msg === 'invocation failed');
    assert.match(String(failed?.error), /disk failure/);
  });

  it('answers a 4xx of the edge with a request id that its log line carries too', async () => {
    const response = await fetch(`${platform.url}/nowhere`);
    assert.equal(response.status, 404);
    const { error } = (await response.json()) as { error: { code: string; requestId: string } };
    assert.equal(error.code, 'not_found');
    assert.equal(linesWith(error.requestId).length, 1);
  });
});
