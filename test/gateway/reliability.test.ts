import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { testPlatform } from '../helpers/platform.js';
import { api, connectGateway, gatewayUrl, textOf } from './helpers.js';
import { startUpstream, textTools, type ToolBehaviour, type Upstream } from './upstream.js';
import { closeAll } from '../helpers/teardown.js';

type Platform = Awaited<ReturnType<typeof testPlatform>>;
const HEADERS = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };

describe('gateway reliability and bad input', () => {
  let platform: Platform;
  let steady: Upstream;
  let hanging: Upstream;
  let slow: Upstream;

  before(async () => {
    platform = await testPlatform();
    steady = await startUpstream({ tools: textTools('echo') });
    // Hangs until the gateway gives up, like a target whose backend stalled.
    const hangingBehaviour: ToolBehaviour = async (name, args, signal) => {
      await sleep(60_000, undefined, { signal }).catch(() => undefined);
      return { content: [{ type: 'text', text: `${name} ${JSON.stringify(args)}` }] };
    };
    hanging = await startUpstream({ tools: textTools('stall'), behaviour: hangingBehaviour });
    slow = await startUpstream({
      tools: textTools('nap'),
      behaviour: async (_name, args) => {
        await sleep(200);
        return { content: [{ type: 'text', text: `slept for ${String(args.text)}` }] };
      },
    });
    const created = await api(platform, 'POST', '/gateways', {
      name: 'rel',
      maxBodyBytes: 4096,
      targets: [
        { name: 'steady', type: 'mcp', url: steady.url },
        { name: 'hang', type: 'mcp', url: hanging.url, timeout: '300ms', breaker: { failures: 3, cooldown: '1m' } },
        { name: 'narrow', type: 'mcp', url: slow.url, maxConcurrency: 1, timeout: '5s' },
      ],
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
  });
  after(() =>
    closeAll(
      () => platform?.stop(),
      () => steady?.close(),
      () => hanging?.close(),
      () => slow?.close(),
    ),
  );

  it('times a stalled call out, opens the circuit after repeated failures, then fails fast while others work', async () => {
    const client = await connectGateway(platform, 'rel');
    // The guard's own deadline answers (its words, not the SDK's); guard.test.ts times it and walks the breaker's
    // cooldown on an injected clock.
    for (let i = 0; i < 3; i++) await assert.rejects(client.callTool({ name: 'hang___stall', arguments: { text: String(i) } }), /did not answer within 300 ms/);
    const reached = hanging.calls.length;
    await assert.rejects(client.callTool({ name: 'hang___stall', arguments: { text: 'again' } }), /failed 3 times in a row and is paused; retry in/);
    assert.equal(hanging.calls.length, reached, 'an open circuit answers without reaching the target');
    const status = (await api(platform, 'GET', '/gateways/rel/targets')).body.targets.find((t) => t.name === 'hang');
    assert.equal(status?.circuit, 'open');
    assert.match(textOf(await client.callTool({ name: 'steady___echo', arguments: { text: 'fine' } })), /fine/, 'other targets keep working');
    await client.close();
  });

  it("holds calls beyond a target's concurrency limit in line", async () => {
    const client = await connectGateway(platform, 'rel', { era: 'modern' });
    const started = Date.now();
    const results = await Promise.all(['a', 'b', 'c'].map((text) => client.callTool({ name: 'narrow___nap', arguments: { text } })));
    assert.deepEqual(results.map(textOf), ['slept for a', 'slept for b', 'slept for c']);
    assert.ok(Date.now() - started >= 550, 'three 200 ms calls ran one after another');
    await client.close();
  });

  it('answers bad input with clear JSON-RPC errors and nothing reaches the target', async () => {
    const before = steady.calls.length;
    const url = gatewayUrl(platform, 'rel');
    const parse = await fetch(url, { method: 'POST', headers: HEADERS, body: '{"jsonrpc": "2.0", "id": 1, "method": ' });
    assert.equal(parse.status, 400);
    assert.equal(((await parse.json()) as { error: { code: number } }).error.code, -32700);

    const notRpc = await fetch(url, {
      method: 'POST',
      headers: { ...HEADERS, 'mcp-protocol-version': '2026-07-28', 'mcp-method': 'tools/call' },
      body: JSON.stringify({ hello: 'world' }),
    });
    assert.equal(notRpc.status, 400);
    assert.equal(((await notRpc.json()) as { error: { code: number } }).error.code, -32600);

    const big = await fetch(url, {
      method: 'POST',
      headers: HEADERS,
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'steady___echo', arguments: { text: 'x'.repeat(10_000) } } }),
    });
    assert.equal(big.status, 413);
    const bigError = ((await big.json()) as { error: { code: number; message: string } }).error;
    assert.match(bigError.message, /larger than the limit of 4096 bytes/);

    const missing = await fetch(`${platform.url}/gateways/nope/mcp`, { method: 'POST', headers: HEADERS, body: '{}' });
    assert.equal(missing.status, 404);

    const client = await connectGateway(platform, 'rel');
    await assert.rejects(
      client.callTool({ name: 'steady___nothing', arguments: {} }),
      (error: Error & { code?: number }) => error.code === -32602 && /has no tool "steady___nothing"/.test(error.message),
    );
    await assert.rejects(
      client.callTool({ name: 'steady___echo', arguments: { text: 42 } }),
      (error: Error & { code?: number }) => error.code === -32602 && /do not match its input schema: .*text.*string/.test(error.message),
    );
    await assert.rejects(client.callTool({ name: 'steady___echo', arguments: {} }), /must have required property 'text'/);
    assert.equal(steady.calls.length, before, 'the target saw none of it');
    await client.close();
  });

  it("shows the target's own error text only at exceptionLevel debug", async () => {
    const port = slow.port;
    await slow.close();
    const client = await connectGateway(platform, 'rel');
    const safe = await client
      .callTool({ name: 'narrow___nap', arguments: { text: 'x' } })
      .catch((error: Error & { data?: { requestId?: string; detail?: string } }) => error);
    assert.ok(safe instanceof Error);
    assert.match(safe.message, /cannot be reached \(request id [0-9a-f-]{36}\)/);
    assert.equal(safe.data?.detail, undefined, 'no upstream detail by default');
    await client.close();
    const { spec } = (await api(platform, 'GET', '/gateways/rel')).body;
    assert.equal((await api(platform, 'PUT', '/gateways/rel', { ...(spec as object), exceptionLevel: 'debug' })).status, 200);
    const debugClient = await connectGateway(platform, 'rel');
    const debug = await debugClient
      .callTool({ name: 'narrow___nap', arguments: { text: 'y' } })
      .catch((error: Error & { data?: { detail?: string } }) => error);
    assert.ok(debug instanceof Error);
    assert.match(debug.data?.detail ?? '', /fetch failed|ECONNREFUSED/i);
    await debugClient.close();
    slow = await startUpstream({ tools: textTools('nap'), port });
  });
});
