import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Client } from '@modelcontextprotocol/client';
import { connectRuntime, testPlatform, textOf } from '../helpers/platform.js';

type Platform = Awaited<ReturnType<typeof testPlatform>>;

const PROBE = fileURLToPath(new URL('../fixtures/escape-probe.ts', import.meta.url));

async function call(client: Client, name: string, args: Record<string, unknown> = {}): Promise<string> {
  return textOf(await client.callTool({ name, arguments: args }));
}

describe('isolation: sandbox (bubblewrap) against isolation: process, with one escape probe', () => {
  let project: string;
  let platform: Platform | undefined;
  const clients: Client[] = [];

  async function session(runtime: string): Promise<Client> {
    const { client } = await connectRuntime(platform!, runtime);
    clients.push(client);
    return client;
  }

  before(async () => {
    // The data directory lies inside the runtimes' working directory, as with `npm start`: the sandbox must hide it.
    project = await mkdtemp(join(tmpdir(), 'toolport-sandbox-test-'));
    await chmod(project, 0o755);
    platform = await testPlatform({ dataDir: join(project, '.toolport') });
    for (const isolation of ['sandbox', 'process'] as const) {
      await platform.control.createRuntime(`probe-${isolation}`, {
        module: PROBE,
        cwd: project,
        isolation,
        limits: { pids: 64 },
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

  it('stops a fork bomb at limits.pids in the sandbox, and the session and its neighbours go on', async () => {
    const bomb = await session('probe-sandbox');
    const bystander = await session('probe-sandbox');
    const started = Number(/^started (\d+)$/.exec(await call(bomb, 'fork_many', { count: 200 }))?.[1]);
    assert.ok(started > 0 && started < 64, `started ${started} of 200 under limits.pids 64`);
    assert.match(await call(bomb, 'whereami'), /"home"/);
    assert.match(await call(bystander, 'whereami'), /"home"/);
    assert.equal(await call(await session('probe-process'), 'fork_many', { count: 100 }), 'started 100', 'the probe can fork without the sandbox');
  });

  it('refuses a runtime whose mount source does not exist, naming the key', async () => {
    await assert.rejects(
      platform!.control.createRuntime('bad-mount', { module: PROBE, isolation: 'sandbox', sandbox: { mounts: [{ source: join(project, 'missing'), target: '/data' }] } }),
      /sandbox\.mounts\.0\.source: the mount source .*missing does not exist/,
    );
  });
});
