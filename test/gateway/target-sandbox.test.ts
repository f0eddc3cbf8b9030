// Gateway targets that run code (a function module, an mcp command) are held like runtimes' workers: under
// `isolation: sandbox` (the default) the escape probe is blocked; under `isolation: process` the same probe reaches
// everything, which proves it can tell.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Client } from '@modelcontextprotocol/client';
import { isolationWarnings } from '../../src/server/index.js';
import { testPlatform } from '../helpers/platform.js';
import { closeAll } from '../helpers/teardown.js';
import { api, connectGateway, textOf } from './helpers.js';

type Platform = Awaited<ReturnType<typeof testPlatform>>;

const PROBE = fileURLToPath(new URL('../fixtures/escape-probe.ts', import.meta.url));
const MODULE_HOST = fileURLToPath(new URL('../../src/tools/host.ts', import.meta.url));
/** By path: the targets' working directory has no node_modules to find it in. */
const TSX_LOADER = createRequire(import.meta.url).resolve('tsx');
const ISOLATIONS = ['sandbox', 'process'] as const;

describe('gateway function and command mcp targets under isolation: sandbox against isolation: process', () => {
  let project: string;
  let outside: string;
  let platform: Platform | undefined;
  let client: Client | undefined;

  before(async () => {
    // The data directory lies inside the targets' working directory: the sandbox must hide it all the same.
    project = await mkdtemp(join(tmpdir(), 'toolport-target-sandbox-'));
    await chmod(project, 0o755);
    outside = await mkdtemp(join(tmpdir(), 'toolport-target-outside-'));
    await writeFile(join(outside, 'secret.txt'), 'not for targets');
    platform = await testPlatform({ dataDir: join(project, '.toolport') });
    const targets = ISOLATIONS.flatMap((isolation) => [
      { name: `fn-${isolation}`, type: 'function', module: PROBE, cwd: project, isolation, limits: { pids: 64, diskMb: 16 } },
      { name: `cmd-${isolation}`, type: 'mcp', command: [process.execPath, '--import', TSX_LOADER, MODULE_HOST, PROBE], cwd: project, isolation },
    ]);
    const created = await api(platform, 'POST', '/gateways', { name: 'probes', targets });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    for (const target of created.body.targets) assert.equal(target.stale, false, `${target.name} synced: ${target.lastError ?? ''}`);
    client = await connectGateway(platform, 'probes');
  });
  after(() =>
    closeAll(
      () => client?.close(),
      () => platform?.stop(),
      () => rm(project, { recursive: true, force: true }),
      () => rm(outside, { recursive: true, force: true }),
    ),
  );

  for (const kind of ['fn', 'cmd'] as const) {
    for (const isolation of ISOLATIONS) {
      const target = `${kind}-${isolation}`;
      it(`${isolation === 'sandbox' ? 'blocks' : 'allows'} every escape of a ${kind === 'fn' ? 'function' : 'command mcp'} target under isolation: ${isolation}`, async () => {
        const attempts: [string, string, Record<string, unknown>][] = [
          ['the master key', 'read_path', { path: join(platform!.dataDir, 'master.key') }],
          ['the store', 'read_path', { path: join(platform!.dataDir, 'toolport.db') }],
          ['a file outside its code directory', 'read_path', { path: join(outside, 'secret.txt') }],
          ["the platform's own port on loopback", 'connect_port', { port: Number(new URL(platform!.url).port) }],
        ];
        for (const [what, tool, args] of attempts) {
          const outcome = textOf(await client!.callTool({ name: `${target}___${tool}`, arguments: args }));
          assert.match(outcome, isolation === 'sandbox' ? /^blocked / : /^reached/, `${what}: ${outcome}`);
        }
      });
    }
  }

  it('warns (as toolport up does) about the targets that opt out, naming gateway and target', async () => {
    const warnings = await isolationWarnings(platform!);
    assert.deepEqual(
      warnings.map((warning) => /^gateway (\S+ target \S+) has isolation: process: its code runs as Toolport's user/.exec(warning)?.[1]).sort(),
      ['probes target cmd-process', 'probes target fn-process'],
    );
  });

  it('refuses a sandboxed target whose mount source does not exist, naming the key', async () => {
    const refused = await api(platform!, 'PUT', '/gateways/probes/targets/bad-mount', {
      name: 'bad-mount',
      type: 'function',
      module: PROBE,
      sandbox: { mounts: [{ source: join(project, 'missing'), target: '/data' }] },
    });
    assert.equal(refused.status, 400, JSON.stringify(refused.body));
    assert.match(refused.body.error?.message ?? '', /target "bad-mount": sandbox\.mounts\.0\.source: the mount source .*missing does not exist/);
  });
});
