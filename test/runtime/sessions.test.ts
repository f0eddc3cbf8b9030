import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { GREET_COMMAND, connectRuntime, eventually, invocationUrl, processAlive, testPlatform, textOf, whoami } from '../helpers/platform.js';

type Platform = Awaited<ReturnType<typeof testPlatform>>;

const INIT_BODY = {
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
};
const MCP_HEADERS = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };

describe('runtime sessions: one isolated worker per session', () => {
  let platform: Platform;

  before(async () => {
    platform = await testPlatform();
    await platform.control.createRuntime('greet', { command: GREET_COMMAND, env: { GREETING: 'hi', SECRET_FROM_CONFIG: 'x' }, sessions: { warmPool: 2 } });
    await platform.control.createRuntime('idle', { command: GREET_COMMAND, sessions: { warmPool: 0, idleTimeout: '1s' } });
    await platform.control.createRuntime('brief', { command: GREET_COMMAND, sessions: { warmPool: 0, maxLifetime: '5s' } });
    await platform.control.createRuntime('tiny', { command: GREET_COMMAND, sessions: { warmPool: 0, maxSessions: 1 }, limits: { maxBodyBytes: 2048 } });
  });
  after(() => platform.stop());

  /** The host pid of a session's worker (inside a sandbox, a worker sees pids of its own namespace). */
  const hostPid = (runtime: string, sessionId: string | undefined): number =>
    platform.runtimes.listSessions(runtime).find((session) => session.id === sessionId)?.pid ?? -1;

  it('gives two sessions different worker processes that cannot see each other', async () => {
    const a = await connectRuntime(platform, 'greet');
    const b = await connectRuntime(platform, 'greet');
    assert.notEqual(a.transport.sessionId, b.transport.sessionId);
    const [whoA, whoB] = [await whoami(a.client), await whoami(b.client)];
    assert.notEqual(whoA.home, whoB.home);
    assert.equal(whoA.home, whoA.tmpdir);
    // Nothing of the platform's environment; bubblewrap adds PWD (the runtime's cwd) after --chdir.
    assert.deepEqual(
      whoA.envKeys.filter((key) => key !== 'PWD'),
      ['GREETING', 'HOME', 'PATH', 'SECRET_FROM_CONFIG', 'TEMP', 'TMP', 'TMPDIR'],
    );

    await a.client.callTool({ name: 'remember', arguments: { key: 'colour', value: 'blue' } });
    assert.equal(textOf(await a.client.callTool({ name: 'remember', arguments: { key: 'colour' } })), 'blue');
    assert.equal(textOf(await b.client.callTool({ name: 'remember', arguments: { key: 'colour' } })), '(unset)');

    const pids = platform.runtimes
      .listSessions('greet')
      .map((s) => s.pid)
      .sort();
    assert.deepEqual(pids, [hostPid('greet', a.transport.sessionId), hostPid('greet', b.transport.sessionId)].sort());
    assert.equal(new Set(pids).size, 2);
    await a.transport.terminateSession();
    await b.transport.terminateSession();
  });

  it('hands a new session a pre-started worker and refills the warm pool in the background', async () => {
    await eventually(() => platform.runtimes.warmWorkers('greet').length === 2, 10_000, 'the warm pool to fill');
    const warm = platform.runtimes.warmWorkers('greet');
    const { client, transport } = await connectRuntime(platform, 'greet');
    await whoami(client);
    assert.ok(warm.includes(hostPid('greet', transport.sessionId)), 'the session got one of the pre-started workers');
    await eventually(() => platform.runtimes.warmWorkers('greet').length === 2, 10_000, 'the warm pool to refill');
    await transport.terminateSession();
  });

  it('refuses requests addressed to a foreign host or from a foreign origin (DNS rebinding)', async () => {
    const status = (headers: Record<string, string>): Promise<number> =>
      new Promise((resolve, reject) => {
        const url = new URL(`${platform.url}/ping`);
        request({ host: url.hostname, port: url.port, path: url.pathname, headers }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        })
          .on('error', reject)
          .end();
      });
    assert.equal(await status({ host: 'attacker.example' }), 403);
    assert.equal(await status({ host: `localhost:${new URL(platform.url).port}`, origin: 'http://attacker.example' }), 403);
    assert.equal(await status({ host: `localhost:${new URL(platform.url).port}`, origin: 'http://localhost:3000' }), 200);
  });

  it('accepts the AgentCore session header in place of Mcp-Session-Id', async () => {
    const { client, transport } = await connectRuntime(platform, 'greet');
    const response = await fetch(invocationUrl(platform, 'greet'), {
      method: 'POST',
      headers: { ...MCP_HEADERS, 'mcp-protocol-version': '2025-11-25', 'x-amzn-bedrock-agentcore-runtime-session-id': transport.sessionId as string },
      body: JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'tools/call', params: { name: 'greet_user', arguments: { name: 'Ada' } } }),
    });
    assert.equal(response.status, 200);
    assert.match(await response.text(), /Hello, Ada! Nice to meet you\. This is a test message\./);
    assert.equal(response.headers.get('x-amzn-bedrock-agentcore-runtime-session-id'), transport.sessionId);
    await client.close();
  });

  it('reaches a runtime by its URL-encoded ARN', async () => {
    const { client } = await connectRuntime(platform, 'arn:toolport:runtime:local:000000000000:runtime/greet');
    assert.equal(textOf(await client.callTool({ name: 'greet_user', arguments: { name: 'Ren' } })), 'Hello, Ren! Nice to meet you. This is a test message.');
    await client.close();
  });

  it('keeps other sessions working when one worker is killed, and tells the dead session to re-initialize', async () => {
    const victim = await connectRuntime(platform, 'greet');
    const survivor = await connectRuntime(platform, 'greet');
    const pid = hostPid('greet', victim.transport.sessionId);
    process.kill(pid, 'SIGKILL');
    await eventually(() => !platform.runtimes.listSessions('greet').some((s) => s.pid === pid), 5_000, 'the dead session to be dropped');

    assert.equal(textOf(await survivor.client.callTool({ name: 'echo', arguments: { text: 'still here' } })), 'still here');
    const response = await fetch(invocationUrl(platform, 'greet'), {
      method: 'POST',
      headers: { ...MCP_HEADERS, 'mcp-session-id': victim.transport.sessionId as string, 'mcp-protocol-version': '2025-11-25' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 3, method: 'tools/list' }),
    });
    assert.equal(response.status, 404);
    const body = (await response.json()) as { error: { code: number; message: string } };
    assert.equal(body.error.code, -32001);
    assert.match(body.error.message, /initialize/);
    await survivor.transport.terminateSession();
  });

  it('fails the in-flight call of a crashing worker with a clear error', async () => {
    const { client } = await connectRuntime(platform, 'greet');
    await assert.rejects(client.callTool({ name: 'crash', arguments: {} }, { timeout: 10_000 }), /exited with code 1.*new initialize|new initialize/s);
    await client.close();
  });

  it('ends the session and its worker on DELETE', async () => {
    const { transport } = await connectRuntime(platform, 'greet');
    const pid = hostPid('greet', transport.sessionId);
    await transport.terminateSession();
    await eventually(() => !processAlive(pid), 5_000, 'the worker to exit');
    assert.equal(
      platform.runtimes.listSessions('greet').some((s) => s.pid === pid),
      false,
    );
  });

  it('answers 404 with a JSON-RPC error for an unknown session id', async () => {
    const response = await fetch(invocationUrl(platform, 'greet'), {
      method: 'POST',
      headers: { ...MCP_HEADERS, 'mcp-session-id': 'no-such-session-0000', 'mcp-protocol-version': '2025-11-25' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
    });
    assert.equal(response.status, 404);
    const body = (await response.json()) as { id: number; error: { code: number; message: string } };
    assert.equal(body.id, 1);
    assert.match(body.error.message, /does not exist or has ended; send a new initialize/);
  });

  it('answers 400 to a request without a session id that is not initialize', async () => {
    const response = await fetch(invocationUrl(platform, 'greet'), {
      method: 'POST',
      headers: MCP_HEADERS,
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
    });
    assert.equal(response.status, 400);
  });

  it('reaps idle sessions and stops their workers', async () => {
    const { client, transport } = await connectRuntime(platform, 'idle');
    const pid = hostPid('idle', transport.sessionId);
    await eventually(() => platform.runtimes.listSessions('idle').length === 0, 6_000, 'the idle session to be reaped');
    await eventually(() => !processAlive(pid), 5_000, 'the reaped worker to exit');
    await assert.rejects(client.listTools(), /404|not exist|Session/i);
  });

  it('ends a session at its maximum lifetime even while it is busy', async () => {
    // The lifetime counts from initialize, so the clock starts before connecting (a slow start-up is not early ending);
    // 5 s leaves a sandbox on a busy machine time to start before it ends.
    const started = Date.now();
    const { client, transport } = await connectRuntime(platform, 'brief');
    const pid = hostPid('brief', transport.sessionId);
    // Keep the session active the whole time: idleness is not what ends it.
    await assert.rejects(
      (async () => {
        for (let i = 0; i < 100; i++) {
          await client.callTool({ name: 'echo', arguments: { text: String(i) } });
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      })(),
      /404|not exist|Session/i,
    );
    assert.ok(Date.now() - started >= 4_900, `ended after ${Date.now() - started} ms, before its 5 s lifetime`);
    await eventually(() => !processAlive(pid), 5_000, 'the worker to exit');
  });

  it('refuses a body over the limit with 413 and keeps the session usable', async () => {
    const { client, transport } = await connectRuntime(platform, 'tiny');
    const response = await fetch(invocationUrl(platform, 'tiny'), {
      method: 'POST',
      headers: { ...MCP_HEADERS, 'mcp-session-id': transport.sessionId as string, 'mcp-protocol-version': '2025-11-25' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 9, method: 'tools/call', params: { name: 'echo', arguments: { text: 'x'.repeat(5000) } } }),
    });
    assert.equal(response.status, 413);
    assert.match(((await response.json()) as { error: { message: string } }).error.message, /limit of 2048 bytes/);
    assert.equal(textOf(await client.callTool({ name: 'echo', arguments: { text: 'small' } })), 'small');
    await transport.terminateSession();
  });

  it('answers 429 with Retry-After when the runtime is at its session limit', async () => {
    const first = await connectRuntime(platform, 'tiny');
    const response = await fetch(invocationUrl(platform, 'tiny'), { method: 'POST', headers: MCP_HEADERS, body: JSON.stringify(INIT_BODY) });
    assert.equal(response.status, 429);
    assert.ok(Number(response.headers.get('retry-after')) > 0);
    assert.match(((await response.json()) as { error: { message: string } }).error.message, /maximum of 1 sessions/);
    await first.transport.terminateSession();
    const second = await connectRuntime(platform, 'tiny');
    await second.transport.terminateSession();
  });

  it('refuses malformed JSON with a JSON-RPC parse error', async () => {
    const response = await fetch(invocationUrl(platform, 'greet'), { method: 'POST', headers: MCP_HEADERS, body: '{"jsonrpc": "2.0", "id": 1,' });
    assert.equal(response.status, 400);
    assert.equal(((await response.json()) as { error: { code: number } }).error.code, -32700);
  });

  it('answers 404 naming the fix for an unknown runtime or endpoint', async () => {
    const missing = await fetch(invocationUrl(platform, 'nope'), { method: 'POST', headers: MCP_HEADERS, body: JSON.stringify(INIT_BODY) });
    assert.equal(missing.status, 404);
    assert.match(await missing.text(), /no runtime named \\"nope\\"/);
    const endpoint = await fetch(invocationUrl(platform, 'greet', 'prod'), { method: 'POST', headers: MCP_HEADERS, body: JSON.stringify(INIT_BODY) });
    assert.equal(endpoint.status, 404);
    assert.match(await endpoint.text(), /no endpoint \\"prod\\"/);
  });

  it('serves 2026-07-28 clients: a shared stateless worker, or an own worker per runtime session header', async () => {
    const modern = async (sessionHeader?: string): Promise<Client> => {
      const client = new Client({ name: 'modern', version: '1' }, { versionNegotiation: { mode: { pin: '2026-07-28' } } });
      const headers: Record<string, string> = sessionHeader ? { 'x-amzn-bedrock-agentcore-runtime-session-id': sessionHeader } : {};
      await client.connect(new StreamableHTTPClientTransport(invocationUrl(platform, 'greet'), { requestInit: { headers } }));
      return client;
    };
    const stateless = await modern();
    assert.equal(textOf(await stateless.callTool({ name: 'greet_user', arguments: { name: 'Neo' } })), 'Hello, Neo! Nice to meet you. This is a test message.');
    // Without the session header, requests share the runtime's stateless worker, never a session's own worker.
    const sharedHome = (await whoami(stateless)).home;
    assert.equal((await whoami(stateless)).home, sharedHome);

    const sessionA = await modern('modern-session-aaaaaaaaaaaa');
    const sessionB = await modern('modern-session-bbbbbbbbbbbb');
    await sessionA.callTool({ name: 'remember', arguments: { key: 'k', value: 'from A' } });
    assert.equal(textOf(await sessionA.callTool({ name: 'remember', arguments: { key: 'k' } })), 'from A');
    assert.equal(textOf(await sessionB.callTool({ name: 'remember', arguments: { key: 'k' } })), '(unset)');
    const ownHomes = [(await whoami(sessionA)).home, (await whoami(sessionB)).home];
    assert.equal(new Set([sharedHome, ...ownHomes]).size, 3, 'each session header gets its own worker');
    await Promise.all([stateless.close(), sessionA.close(), sessionB.close()]);
  });

  it('refuses a 2026-07-28 request whose Mcp-Method header disagrees with its body, before any worker', async () => {
    const modernCall = (methodHeader: string): Promise<Response> =>
      fetch(invocationUrl(platform, 'greet'), {
        method: 'POST',
        headers: { ...MCP_HEADERS, 'mcp-protocol-version': '2026-07-28', 'mcp-method': methodHeader, 'mcp-name': 'greet_user' },
        body: JSON.stringify({
          jsonrpc: '2.0',
          id: 1,
          method: 'tools/call',
          params: {
            name: 'greet_user',
            arguments: { name: 'x' },
            _meta: {
              'io.modelcontextprotocol/protocolVersion': '2026-07-28',
              'io.modelcontextprotocol/clientInfo': { name: 'raw', version: '1' },
              'io.modelcontextprotocol/clientCapabilities': {},
            },
          },
        }),
      });
    const spawnedBefore = platform.runtimes.workersAssigned;
    const mismatch = await modernCall('tools/list');
    assert.equal(mismatch.status, 400);
    assert.match(await mismatch.text(), /Mcp-Method|header/i);
    assert.equal(platform.runtimes.workersAssigned, spawnedBefore, 'no worker was taken for a refused request');
    const matching = await modernCall('tools/call');
    assert.equal(matching.status, 200);
    assert.match(await matching.text(), /Hello, x!/);
  });
});
