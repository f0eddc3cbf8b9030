// Gateway sessions are bounded: a gateway's `maxSessions` 2025-11-25 sessions, then initialize gets 429 with
// Retry-After (as runtimes answer); 2026-07-28 requests hold no session and keep working.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { testPlatform } from '../helpers/platform.js';
import { api, connectGateway, gatewayUrl } from './helpers.js';

type Platform = Awaited<ReturnType<typeof testPlatform>>;

const MCP_HEADERS = { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': '2025-11-25' };

/** A raw 2025-11-25 initialize; the SDK client would retry a 429 itself, hiding the answer this test checks. */
function initialize(platform: Platform, gateway: string): Promise<Response> {
  return fetch(gatewayUrl(platform, gateway), {
    method: 'POST',
    headers: MCP_HEADERS,
    body: JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'sessions-test', version: '1' } },
    }),
  });
}

describe('gateway maxSessions', () => {
  let platform: Platform;

  before(async () => {
    platform = await testPlatform();
    const created = await api(platform, 'POST', '/gateways', { name: 'small', maxSessions: 2, targets: [] });
    assert.equal(created.status, 201, JSON.stringify(created.body));
  });
  after(() => platform.stop());

  it('defaults to 1000 sessions per gateway', async () => {
    const created = await api(platform, 'POST', '/gateways', { name: 'default-limit', targets: [] });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.equal((created.body.spec as { maxSessions: number }).maxSessions, 1000);
  });

  it('refuses initialize past the limit with 429 and Retry-After, serves 2026-07-28 meanwhile, and frees a slot on DELETE', async () => {
    const opened: string[] = [];
    for (let i = 0; i < 2; i++) {
      const response = await initialize(platform, 'small');
      assert.equal(response.status, 200);
      opened.push(response.headers.get('mcp-session-id') ?? '');
      await response.body?.cancel();
    }
    const refused = await initialize(platform, 'small');
    assert.equal(refused.status, 429);
    assert.equal(refused.headers.get('retry-after'), '5');
    assert.match(
      ((await refused.json()) as { error: { message: string } }).error.message,
      /gateway "small" already has its maximum of 2 sessions; retry later/,
    );

    const modern = await connectGateway(platform, 'small', { era: 'modern' });
    assert.deepEqual((await modern.listTools()).tools, []);
    await modern.close();

    const ended = await fetch(gatewayUrl(platform, 'small'), { method: 'DELETE', headers: { ...MCP_HEADERS, 'mcp-session-id': opened[0] ?? '' } });
    assert.equal(ended.status, 200);
    const again = await initialize(platform, 'small');
    assert.equal(again.status, 200);
    await again.body?.cancel();
  });

  it('counts concurrent initialize requests, so a burst cannot overshoot the limit', async () => {
    const created = await api(platform, 'POST', '/gateways', { name: 'burst', maxSessions: 3, targets: [] });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const answers = await Promise.all(Array.from({ length: 10 }, () => initialize(platform, 'burst')));
    await Promise.all(answers.map((answer) => answer.body?.cancel()));
    assert.deepEqual(answers.map((answer) => answer.status).sort(), [200, 200, 200, 429, 429, 429, 429, 429, 429, 429]);
  });
});
