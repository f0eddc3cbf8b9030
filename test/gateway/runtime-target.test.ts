// A gateway's `runtime:` target reaches its runtime in process: no loopback HTTP request reaches the runtime edge, the
// runtime's authorizer still decides with the target's credentials, and the target's session is a runtime session like
// any other (its own worker; a worker that exits ends it, and so does the gateway letting go of it).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createLogger } from '../../src/log/index.js';
import { startTestIssuer, type TestIssuer } from '../helpers/issuer.js';
import { GREET_COMMAND, eventually, processAlive, testPlatform } from '../helpers/platform.js';
import { closeAll } from '../helpers/teardown.js';
import { api, connectGateway, textOf, type Era } from './helpers.js';

const GREETING = 'Hello, Ada! Nice to meet you. This is a test message.';

describe("a gateway's runtime target, in process", () => {
  let platform: Awaited<ReturnType<typeof testPlatform>>;
  let issuer: TestIssuer;
  const logLines: Record<string, unknown>[] = [];
  /** The runtime's access log: one `invocation` line per request, HTTP or in process. */
  const invocations = (runtime: string): Record<string, unknown>[] => logLines.filter((line) => line.msg === 'invocation' && line.runtime === runtime);

  before(async () => {
    issuer = await startTestIssuer();
    const logger = createLogger('info', (line) => void logLines.push(JSON.parse(line) as Record<string, unknown>));
    platform = await testPlatform({ logger });
    await platform.control.createRuntime('greet', { command: GREET_COMMAND, sessions: { warmPool: 1 } });
    await platform.control.createRuntime('fragile', { command: GREET_COMMAND, sessions: { warmPool: 1 } });
    const jwt = { discoveryUrl: issuer.discoveryUrl, allowedClients: ['gateway-m2m'] };
    await platform.control.createRuntime('guarded', { command: GREET_COMMAND, auth: { jwt }, sessions: { warmPool: 0 } });
    const token = await issuer.mint({ sub: 'gateway', client_id: 'gateway-m2m' });
    await platform.vault.createProvider({ name: 'runtime-token', type: 'apiKey', apiKey: token });
    const created = await api(platform, 'POST', '/gateways', {
      name: 'local',
      auth: 'none',
      targets: [
        { name: 'greet', type: 'mcp', runtime: 'greet' },
        { name: 'fragile', type: 'mcp', runtime: 'fragile' },
        { name: 'nokey', type: 'mcp', runtime: 'guarded' },
        { name: 'withkey', type: 'mcp', runtime: 'guarded', credentials: { provider: 'runtime-token' } },
      ],
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
  });
  after(() =>
    closeAll(
      () => platform?.stop(),
      () => issuer?.close(),
    ),
  );

  for (const era of ['legacy', 'modern'] as Era[]) {
    it(`lists and calls the runtime's tools for a ${era} client, with no HTTP request to the runtime edge`, async () => {
      const client = await connectGateway(platform, 'local', { era });
      const names = (await client.listTools()).tools.map((tool) => tool.name);
      assert.ok(names.includes('greet___greet_user'), names.join(', '));
      assert.equal(textOf(await client.callTool({ name: 'greet___greet_user', arguments: { name: 'Ada' } })), GREETING);
      await client.close();
      // The line is written once the answer has left, as the HTTP path writes it when its response closes.
      await eventually(
        () => invocations('greet').some((line) => line.via === 'in-process' && line.rpc === 'tools/call'),
        2_000,
        'the call in the runtime access log, marked in-process',
      );
      const lines = invocations('greet');
      assert.deepEqual(
        lines.filter((line) => line.method !== undefined),
        [],
        'no HTTP request reached /runtimes/greet/invocations',
      );
    });
  }

  it('keeps the runtime authorizer in charge: a target without credentials is refused, one with a valid token is served', async () => {
    const targets = (await api(platform, 'GET', '/gateways/local')).body.targets;
    const nokey = targets.find((target) => target.name === 'nokey');
    const withkey = targets.find((target) => target.name === 'withkey');
    assert.equal(nokey?.stale, true);
    assert.match(nokey?.lastError ?? '', /cannot be reached: .*this resource requires a bearer token/);
    assert.equal(withkey?.stale, false, withkey?.lastError ?? '');
    const client = await connectGateway(platform, 'local');
    const names = (await client.listTools()).tools.map((tool) => tool.name);
    assert.ok(!names.some((name) => name.startsWith('nokey___')), 'nothing of the refused target is listed');
    assert.equal(textOf(await client.callTool({ name: 'withkey___greet_user', arguments: { name: 'Ada' } })), GREETING);
    await client.close();
    assert.equal(platform.runtimes.listSessions('guarded').length, 1, 'one session, the authorized target’s; the refused one got no worker');
    assert.ok(invocations('guarded').every((line) => line.method === undefined));
  });

  it('opens a new session on a fresh worker after the worker of the last one exited', async () => {
    const fragile = (await api(platform, 'GET', '/gateways/local')).body.targets.find((target) => target.name === 'fragile');
    assert.equal(fragile?.stale, false, fragile?.lastError ?? '');
    const client = await connectGateway(platform, 'local');
    const call = async (): Promise<void> => void (await client.callTool({ name: 'fragile___whoami', arguments: {} }));
    // The tool's own pid is its sandbox's; the session knows its worker's pid on this host.
    const workerPid = (): number | undefined => platform.runtimes.listSessions('fragile')[0]?.pid;
    await call();
    const first = workerPid();
    assert.ok(first, 'the fragile target holds one runtime session');
    process.kill(first, 'SIGKILL');
    await eventually(() => platform.runtimes.listSessions('fragile').length === 0, 10_000, 'the session to end with its worker');
    await call();
    const second = workerPid();
    assert.ok(second, 'the next call opened a new session');
    assert.notEqual(second, first);
    await client.close();
  });

  it("ends the target's session and stops its worker when the gateway lets go of it", async () => {
    const [session] = platform.runtimes.listSessions('greet');
    assert.ok(session, 'the greet target holds one runtime session');
    assert.equal(platform.runtimes.listSessions('greet').length, 1, 'one session for all gateway callers');
    assert.equal((await api(platform, 'DELETE', '/gateways/local')).status, 204);
    await eventually(() => platform.runtimes.listSessions().length === 0, 5_000, 'every target session to end');
    await eventually(() => !processAlive(session.pid), 5_000, 'the worker to exit');
  });
});
