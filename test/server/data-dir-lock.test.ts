import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { toolport } from '../helpers/cli.js';
import { eventually, processAlive } from '../helpers/platform.js';

/** Starts `toolport up` as a child process; resolves once it printed its banner. */
async function up(dataDir: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['bin/toolport.js', 'up', '--port', '0', '--data-dir', dataDir], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, TOOLPORT_LOG_LEVEL: 'error' },
  });
  let stdout = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  await eventually(() => stdout.includes('Toolport is up') || child.exitCode !== null, 30_000, 'toolport up to print its banner');
  assert.match(stdout, /Toolport is up/);
  return child;
}

function exited(child: ChildProcess): Promise<void> {
  return child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise((done) => child.once('exit', () => done()));
}

describe('one platform per data directory', () => {
  const started: ChildProcess[] = [];
  let dataDir = '';
  after(async () => {
    for (const child of started) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await Promise.all(started.map(exited));
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('refuses a second up on the same data directory, naming the process that holds it', async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'toolport-lock-'));
    const first = await up(dataDir);
    started.push(first);
    assert.equal((await readFile(join(dataDir, 'toolport.lock'), 'utf8')).trim(), String(first.pid));

    const second = await toolport(['up', '--port', '0', '--data-dir', dataDir]);
    assert.notEqual(second.code, 0);
    assert.match(second.stderr, new RegExp(`in use by another Toolport platform \\(process ${first.pid}\\)`));
    assert.doesNotMatch(second.stderr, /\n\s+at /, 'a clear message, not a stack trace');
    assert.ok(processAlive(first.pid as number), 'the first platform keeps running');
  });

  it('takes over the lock of a platform that was killed, and releases it on a clean stop', async () => {
    const first = started[0] as ChildProcess;
    first.kill('SIGKILL');
    await exited(first);
    const next = await up(dataDir);
    started.push(next);
    assert.equal((await readFile(join(dataDir, 'toolport.lock'), 'utf8')).trim(), String(next.pid));
    next.kill('SIGTERM');
    await exited(next);
    await assert.rejects(stat(join(dataDir, 'toolport.lock')), { code: 'ENOENT' });
  });
});
