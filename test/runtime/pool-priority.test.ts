import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { GREET_COMMAND, connectRuntime, eventually, testPlatform, whoami } from '../helpers/platform.js';
import { mayRaisePriority } from '../../src/runtime/priority.js';
import { limitEnforcement } from '../../src/sandbox/index.js';

type Platform = Awaited<ReturnType<typeof testPlatform>>;

/** The nice value of a process's main thread: field 19 of /proc/PID/stat. */
async function niceOf(pid: number): Promise<number> {
  const fields = (await readFile(`/proc/${pid}/stat`, 'utf8')).split(') ')[1]!.split(' ');
  return Number(fields[16]);
}

/** `pid` and its descendants. */
async function tree(pid: number): Promise<number[]> {
  const children = (await readFile(`/proc/${pid}/task/${pid}/children`, 'utf8').catch(() => '')).split(/\s+/).filter(Boolean).map(Number);
  return [pid, ...(await Promise.all(children.map(tree))).flat()];
}

/** The CPU weight of the session cgroup a sandbox's processes run in (cgroup v1 `cpu.shares`, v2 `cpu.weight`). */
async function cpuWeightOf(sandboxPid: number): Promise<number> {
  for (const pid of await tree(sandboxPid)) {
    const lines = (await readFile(`/proc/${pid}/cgroup`, 'utf8').catch(() => '')).split('\n');
    const v1 = lines.find((line) => /^\d+:cpu(,cpuacct)?:.*toolport-/.test(line))?.split(':')[2];
    if (v1 !== undefined) return Number(await readFile(`/sys/fs/cgroup/cpu${v1}/cpu.shares`, 'utf8'));
    const v2 = lines.find((line) => /^0::.*toolport-/.test(line))?.slice(3);
    if (v2 !== undefined) return Number(await readFile(`/sys/fs/cgroup${v2}/cpu.weight`, 'utf8'));
  }
  throw new Error(`no session cgroup under pid ${sandboxPid}`);
}

describe('warm pool refills start at lower CPU priority and are raised when a session takes them', () => {
  let platform: Platform;

  before(async () => {
    platform = await testPlatform();
    await platform.control.createRuntime('plain', { command: GREET_COMMAND, isolation: 'process', sessions: { warmPool: 1, warmPoolMin: 1 } });
    await platform.control.createRuntime('boxed', { command: GREET_COMMAND, sessions: { warmPool: 1, warmPoolMin: 1 } });
  });
  after(() => platform.stop());

  it('nices a process-isolated refill and renices it to 0 once taken', { skip: !mayRaisePriority() && 'needs CAP_SYS_NICE' }, async () => {
    await eventually(() => platform.runtimes.warmWorkers('plain').length === 1, 15_000, 'the warm pool to fill');
    const [warm] = platform.runtimes.warmWorkers('plain');
    assert.equal(await niceOf(warm!), 10);
    const { client, transport } = await connectRuntime(platform, 'plain');
    const { pid } = await whoami(client);
    assert.equal(pid, warm, 'the session got the pre-started worker');
    assert.equal(await niceOf(pid), 0);
    await transport.terminateSession();
  });

  it('lowers a sandboxed refill’s cgroup CPU weight and restores it once taken', async (t) => {
    const enforcement = await limitEnforcement();
    if (enforcement === 'rlimits') return t.skip('no cgroup on this host');
    await eventually(() => platform.runtimes.warmWorkers('boxed').length === 1, 15_000, 'the warm pool to fill');
    const [warm] = platform.runtimes.warmWorkers('boxed');
    const [background, normal] = enforcement === 'cgroup v1' ? [64, 1024] : [6, 100];
    assert.equal(await cpuWeightOf(warm!), background);
    const { client, transport } = await connectRuntime(platform, 'boxed');
    await whoami(client);
    assert.equal(await cpuWeightOf(warm!), normal);
    await transport.terminateSession();
  });
});
