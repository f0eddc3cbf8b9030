// The Teardown helper (test/helpers/teardown.ts), and the browser tests it protects: with no browser to launch,
// their `before` fails, and the test file must still end at once instead of hanging on the platform it started.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { describe, it } from 'node:test';
import { Teardown } from '../helpers/teardown.js';

describe('Teardown', () => {
  it('undoes the steps last first, runs every step when one fails, and reports the first failure', async () => {
    const undone: string[] = [];
    const teardown = new Teardown();
    teardown.add(() => undone.push('server'));
    teardown.add(() => {
      throw new Error('browser would not close');
    });
    teardown.add(async () => undone.push('temp dir'));
    await assert.rejects(teardown.run(), /browser would not close/);
    assert.deepEqual(undone, ['temp dir', 'server']);
    await teardown.run(); // nothing left: an `after` following a failed `before` is a no-op
    assert.deepEqual(undone, ['temp dir', 'server']);
  });

  it('a failing setup undoes what it had started and rethrows its own error', async () => {
    const undone: string[] = [];
    const teardown = new Teardown();
    await assert.rejects(
      teardown.setup(async () => {
        teardown.add(() => undone.push('platform'));
        teardown.add(() => {
          throw new Error('cleanup failed too');
        });
        throw new Error('no browser');
      }),
      /no browser/,
    );
    assert.deepEqual(undone, ['platform']);
  });
});

/** Runs one test file in its own `node --test`, killed after `limitMs`; resolves with its exit and output. */
function runTestFile(file: string, env: Record<string, string>, limitMs: number): Promise<{ code: number | null; output: string; killed: boolean }> {
  return new Promise((resolve) => {
    const childEnv: NodeJS.ProcessEnv = { ...process.env, ...env };
    delete childEnv.NODE_TEST_CONTEXT; // a test run of its own, not a child of this one's reporter
    const child = spawn(process.execPath, ['--import', 'tsx', '--test', '--test-reporter=tap', file], { env: childEnv });
    let output = '';
    let killed = false;
    const timer = setTimeout(() => {
      killed = true;
      child.kill('SIGKILL');
    }, limitMs);
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output, killed });
    });
  });
}

describe('browser tests without a browser', () => {
  for (const file of ['test/client/auth-modes.test.ts', 'test/client/cli-auth.test.ts']) {
    it(`${file} fails its setup and ends, leaving nothing running`, async () => {
      const run = await runTestFile(file, { TOOLPORT_CHROMIUM: '/nonexistent/chromium' }, 60_000);
      assert.equal(run.killed, false, `still running after 60 s:\n${run.output.slice(-2000)}`);
      assert.notEqual(run.code, 0);
      assert.match(run.output, /\/nonexistent\/chromium/, 'the failure names the missing browser');
    });
  }
});
