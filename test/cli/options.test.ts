// Inputs are checked where they enter: CLI flags are usage errors that say what they wanted, and the store opener
// refuses URLs it does not speak.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { openStore, StoreError } from '../../src/store/index.js';
import { GREET_COMMAND, testPlatform } from '../helpers/platform.js';

const run = promisify(execFile);
const BIN = fileURLToPath(new URL('../../bin/toolport.js', import.meta.url));
const scratch = await mkdtemp(join(tmpdir(), 'toolport-options-'));
after(() => rm(scratch, { recursive: true, force: true }));

async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    return { code: 0, ...(await run(process.execPath, [BIN, ...args], { cwd: scratch, timeout: 60_000, env: { ...process.env, TOOLPORT_TOKEN: '' } })) };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: failed.code ?? 1, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  }
}

describe('CLI flags are checked before anything is sent', () => {
  const usage: [string, string[], RegExp][] = [
    ['--env without "="', ['runtime', 'update', 'x', '--env', 'BAD'], /--env <KEY=VALUE>.*expected KEY=VALUE with KEY a variable name.*got "BAD"/],
    ['--env with a bad name', ['runtime', 'create', 'x', '--env', '1X=2'], /expected KEY=VALUE/],
    ['--unset-env with a bad name', ['runtime', 'update', 'x', '--unset-env', 'A=B'], /--unset-env <NAME>.*expected a variable name/],
    ['a non-number --warm-pool', ['runtime', 'create', 'x', '--warm-pool', 'many'], /--warm-pool <n>.*expected a whole number from 0 to 64, got "many"/],
    ['a non-number --max-sessions', ['runtime', 'create', 'x', '--max-sessions', '2.5'], /--max-sessions <n>.*expected a whole number from 1 to 10000/],
    ['a non-number --port', ['runtime', 'create', 'x', '--port', 'eighty'], /--port <n\|auto>.*expected a whole number from 1 to 65535/],
    ['a non-number up --port', ['up', '--port', 'x'], /--port <n>.*expected a whole number from 0 to 65535/],
    ['a non-number endpoint version', ['runtime', 'endpoint', 'x', 'prod', 'latest', '--token', 't'], /expected a whole number from 1/],
    ['a mysql:// store', ['up', '--store', 'mysql://x', '--data-dir', 'data'], /only postgres:\/\/ URLs and SQLite file paths are accepted/],
  ];
  for (const [what, args, message] of usage) {
    it(`refuses ${what} as a usage error`, async () => {
      const result = await cli([...args, '--server', 'http://127.0.0.1:9']);
      assert.notEqual(result.code, 0);
      assert.match(result.stderr.replace(/\n/g, ' '), message);
    });
  }

  it('creates no file named after a refused store URL', async () => {
    await cli(['up', '--store', 'mysql://x', '--data-dir', 'data']);
    assert.deepEqual(
      (await readdir(scratch)).filter((entry) => entry.startsWith('mysql')),
      [],
    );
  });

  it('refuses other URL schemes in openStore too', async () => {
    await assert.rejects(openStore('redis://cache:6379/0'), (error: unknown) => error instanceof StoreError && error.code === 'invalid');
    await assert.rejects(openStore('mysql://x'), /unsupported store mysql:\/\/: give a postgres:\/\/ URL or a SQLite file path/);
  });
});

describe('runtime update merges env and sessions', () => {
  const platformReady = testPlatform();
  after(async () => (await platformReady).stop());

  it('--env adds to the current env, --unset-env removes, --warm-pool keeps the other session settings', async () => {
    const platform = await platformReady;
    const common = ['--server', platform.url, '--token', platform.adminToken, '--json'];
    const command = `${GREET_COMMAND[0]} ${join(process.cwd(), GREET_COMMAND[1] ?? '')}`;
    const created = await cli([
      'runtime',
      'create',
      'merged',
      '--command',
      command,
      '--env',
      'A=1',
      '--env',
      'B=x=y',
      '--max-sessions',
      '7',
      '--warm-pool',
      '0',
      ...common,
    ]);
    assert.equal(created.code, 0, created.stderr);
    const updated = await cli(['runtime', 'update', 'merged', '--env', 'C=3', '--unset-env', 'A', '--warm-pool', '1', ...common]);
    assert.equal(updated.code, 0, updated.stderr);
    const { spec } = JSON.parse(updated.stdout) as { spec: { env: Record<string, string>; sessions: { warmPool: number; maxSessions: number } } };
    assert.deepEqual(spec.env, { B: 'x=y', C: '3' });
    assert.equal(spec.sessions.warmPool, 1);
    assert.equal(spec.sessions.maxSessions, 7);
  });
});
