import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import type { Client } from '@modelcontextprotocol/client';
import { createLogger } from '../../src/log/index.js';
import { connectRuntime, testPlatform, textOf } from '../helpers/platform.js';

type Platform = Awaited<ReturnType<typeof testPlatform>>;

const PROBE = fileURLToPath(new URL('../fixtures/escape-probe.ts', import.meta.url));
const VAULT_TOOLS = fileURLToPath(new URL('../fixtures/vault-tools.ts', import.meta.url));
const GREET_SERVER = fileURLToPath(new URL('../../examples/greet/server.js', import.meta.url));

async function call(client: Client, name: string, args: Record<string, unknown> = {}): Promise<string> {
  return textOf(await client.callTool({ name, arguments: args }));
}

describe('isolation: sandbox (bubblewrap) against isolation: process, with one escape probe', () => {
  let project: string;
  let platform: Platform | undefined;
  const clients: Client[] = [];
  const logLines: string[] = [];

  async function session(runtime: string): Promise<Client> {
    const { client } = await connectRuntime(platform!, runtime);
    clients.push(client);
    return client;
  }

  before(async () => {
    // The data directory lies inside the runtimes' working directory, as with `npm start`: the sandbox must hide it.
    project = await mkdtemp(join(tmpdir(), 'toolport-sandbox-test-'));
    await chmod(project, 0o755);
    platform = await testPlatform({ dataDir: join(project, '.toolport'), logger: createLogger('warn', (line) => logLines.push(line)) });
    for (const isolation of ['sandbox', 'process'] as const) {
      await platform.control.createRuntime(`probe-${isolation}`, {
        module: PROBE,
        cwd: project,
        isolation,
        // Without a memoryMb, a process worker has no RSS watchdog: the same probes show what the sandbox adds.
        limits: { pids: 64, diskMb: 16, ...(isolation === 'sandbox' ? { memoryMb: 256 } : {}) },
        sessions: { warmPool: 0 },
      });
    }
  });
  after(async () => {
    for (const client of clients) await client.close().catch(() => undefined);
    await platform?.stop();
    await rm(project, { recursive: true, force: true });
  });

  for (const isolation of ['sandbox', 'process'] as const) {
    it(`${isolation === 'sandbox' ? 'blocks' : 'allows'} every escape under isolation: ${isolation}`, async () => {
      const runtime = `probe-${isolation}`;
      const neighbour = await session(runtime);
      const neighbourHome = (JSON.parse(await call(neighbour, 'whereami')) as { home: string }).home;
      assert.equal(await call(neighbour, 'write_path', { path: join(neighbourHome, 'note') }), 'reached', 'a session writes its own HOME');

      const probe = await session(runtime);
      const port = Number(new URL(platform!.url).port);
      const attempts: [string, string, Record<string, unknown>][] = [
        ['the master key', 'read_path', { path: join(platform!.dataDir, 'master.key') }],
        ['the store', 'read_path', { path: join(platform!.dataDir, 'toolport.db') }],
        ['the admin token', 'read_path', { path: join(platform!.dataDir, 'admin-token') }],
        ['a host file outside the minimal /etc', 'read_path', { path: '/etc/os-release' }],
        ["another session's HOME", 'read_path', { path: join(neighbourHome, 'note') }],
        ["the platform's environment", 'read_path', { path: `/proc/${process.pid}/environ` }],
        ["the platform's pid", 'signal_pid', { pid: process.pid }],
        ['a write outside HOME', 'write_path', { path: join(project, 'escaped.txt') }],
        ["the platform's own port on loopback", 'connect_port', { port }],
      ];
      for (const [what, tool, args] of attempts) {
        const outcome = await call(probe, tool, args);
        if (isolation === 'sandbox') assert.match(outcome, /^blocked /, `${what}: ${outcome}`);
        else assert.match(outcome, /^reached/, `${what}: ${outcome}`);
      }
    });
  }

  it('ends a session whose fork bomb reaches limits.pids with an error naming it; its neighbour goes on', async () => {
    const bomb = await session('probe-sandbox');
    const bystander = await session('probe-sandbox');
    await assert.rejects(call(bomb, 'fork_many', { count: 200, holdMs: 5_000 }), /limits\.pids/);
    assert.match(await call(bystander, 'whereami'), /"home"/);
    assert.equal(await call(await session('probe-process'), 'fork_many', { count: 100 }), 'started 100', 'the probe can fork without the sandbox');
  });

  it('ends a session whose memory passes limits.memoryMb with an error naming it; its neighbour goes on', async () => {
    const bomb = await session('probe-sandbox');
    const bystander = await session('probe-sandbox');
    await assert.rejects(call(bomb, 'hold_memory', { mb: 512 }), /limits\.memoryMb/);
    assert.match(await call(bystander, 'whereami'), /"home"/);
    assert.equal(await call(await session('probe-process'), 'hold_memory', { mb: 512 }), 'reached 512 MiB', 'the probe can allocate without the sandbox');
  });

  it('ends a session that fills limits.diskMb with an error naming it; its neighbour goes on', async () => {
    const filler = await session('probe-sandbox');
    const bystander = await session('probe-sandbox');
    await assert.rejects(call(filler, 'fill_disk', { mb: 32 }), /limits\.diskMb/);
    await assert.rejects(call(filler, 'whereami'), 'the session has ended');
    assert.match(await call(bystander, 'whereami'), /"home"/);
    assert.equal(await call(await session('probe-process'), 'fill_disk', { mb: 32 }), 'reached 32 MiB', 'the probe can fill its HOME without the sandbox');
  });

  it('reaches an HTTP server inside a sandbox with no network, through a socket in its bridge directory', async () => {
    await platform!.control.createRuntime('greet-http-sandbox', {
      command: ['node', GREET_SERVER, '--http', '--port', '{port}', '--path', '/custom-mcp'],
      transport: 'http',
      path: '/custom-mcp',
      cwd: project,
      isolation: 'sandbox',
      sessions: { warmPool: 0 },
    });
    const client = await session('greet-http-sandbox');
    assert.match(await call(client, 'greet_user', { name: 'Jack' }), /Jack/);
  });

  it("gives a sandboxed tool its runtime's vault credentials over the workload endpoint, and nothing else of the host", async () => {
    const created = await fetch(`${platform!.url}/api/credentials/providers`, {
      method: 'POST',
      headers: { authorization: `Bearer ${platform!.adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'sandbox-key', type: 'apiKey', apiKey: 'sandboxed-secret', runtimes: ['vault-sandbox'] }),
    });
    assert.equal(created.status, 201, await created.text());
    await platform!.control.createRuntime('vault-sandbox', { module: VAULT_TOOLS, cwd: project, isolation: 'sandbox', sessions: { warmPool: 0 } });
    const client = await session('vault-sandbox');
    assert.equal(await call(client, 'api_key_length', { provider: 'sandbox-key' }), String('sandboxed-secret'.length));
  });

  it('lets a sandbox reach only the hosts on its allow list, through the egress proxy, and logs each refusal', async () => {
    // 127.0.0.2 is loopback too, but not the sandbox's: only the proxy can reach it.
    const allowed = createServer((_req, res) => res.end('allowed upstream'));
    const other = createServer((_req, res) => res.end('other upstream'));
    await Promise.all([allowed, other].map((server) => new Promise<void>((resolve) => server.listen(0, '127.0.0.2', resolve))));
    const portOf = (server: typeof allowed): number => (server.address() as AddressInfo).port;
    try {
      await platform!.control.createRuntime('egress-sandbox', {
        module: PROBE,
        cwd: project,
        isolation: 'sandbox',
        sandbox: { network: { allow: [`127.0.0.2:${portOf(allowed)}`] } },
        sessions: { warmPool: 0 },
      });
      const client = await session('egress-sandbox');
      assert.equal(await call(client, 'fetch_url', { url: `http://127.0.0.2:${portOf(allowed)}/` }), 'status 200 allowed upstream');
      const refused = await call(client, 'fetch_url', { url: `http://127.0.0.2:${portOf(other)}/` });
      assert.match(refused, /^blocked /, refused);
      const refusal = logLines.map((line) => JSON.parse(line) as Record<string, unknown>).find((line) => line.target === `127.0.0.2:${portOf(other)}`);
      assert.equal(refusal?.msg, 'sandbox refused an egress not on sandbox.network.allow');
      assert.equal(refusal?.runtime, 'egress-sandbox');
      assert.match(String(refusal?.session), /^[0-9a-f-]{36}$/, 'the refusal names the session');
      assert.match(await call(client, 'connect_port', { port: Number(new URL(platform!.url).port) }), /^blocked /, 'the proxy is the only way out');
    } finally {
      allowed.close();
      other.close();
    }
  });

  it('runs sandboxed code that lies in a folder closed to other users (mkdtemp makes them 0700)', async () => {
    const closed = await mkdtemp(join(tmpdir(), 'toolport-sandbox-closed-'));
    try {
      await platform!.control.createRuntime('closed-code', { module: PROBE, cwd: closed, isolation: 'sandbox', sessions: { warmPool: 0 } });
      assert.match(await call(await session('closed-code'), 'whereami'), /"home"/);
    } finally {
      await rm(closed, { recursive: true, force: true });
    }
  });

  it('refuses a runtime whose mount source does not exist or whose allow list has a bad entry, naming the key', async () => {
    await assert.rejects(
      platform!.control.createRuntime('bad-mount', {
        module: PROBE,
        isolation: 'sandbox',
        sandbox: { mounts: [{ source: join(project, 'missing'), target: '/data' }] },
      }),
      /sandbox\.mounts\.0\.source: the mount source .*missing does not exist/,
    );
    await assert.rejects(
      platform!.control.createRuntime('bad-egress', {
        module: PROBE,
        isolation: 'sandbox',
        sandbox: { network: { allow: ['api.openai.com:443', 'no spaces allowed'] } },
      }),
      /sandbox\.network\.allow\[1\]: must be host\[:port\]/,
    );
  });
});
