// One rule for paths: toolport.yaml's resolve against its folder, the CLI's against the caller's working directory
// (sent absolute), and a runtime that cannot start is refused when it is created or when `up` starts.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { connectRuntime, eventually, testPlatform, textOf } from '../helpers/platform.js';

const run = promisify(execFile);
const REPO = fileURLToPath(new URL('../../', import.meta.url));
const BIN = join(REPO, 'bin/toolport.js');
const GREET_FOLDER = join(REPO, 'examples/greet');

const scratch = await mkdtemp(join(tmpdir(), 'toolport-paths-'));
after(() => rm(scratch, { recursive: true, force: true }));

/** Runs the CLI to completion from `cwd`; never throws. */
async function cliIn(cwd: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    return { code: 0, ...(await run(process.execPath, [BIN, ...args], { cwd, timeout: 60_000 })) };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: failed.code ?? 1, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  }
}

describe("toolport up resolves the config file's paths against its folder", () => {
  it('serves the bundled demo when started from another folder', async () => {
    const child = spawn(process.execPath, [BIN, 'up', '--config', join(REPO, 'examples/toolport.yaml'), '--port', '0', '--data-dir', join(scratch, 'demo')], {
      cwd: scratch,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let printed = '';
    child.stdout.on('data', (chunk: Buffer) => (printed += chunk.toString()));
    const exited = new Promise((resolve) => child.once('exit', resolve));
    try {
      await eventually(() => /admin token/.test(printed) || child.exitCode !== null, 60_000, 'toolport up to start');
      const url = /Toolport is up at (\S+)/.exec(printed)?.[1];
      assert.ok(url, `up did not start: ${printed}`);
      const { client, transport } = await connectRuntime({ url }, 'greet');
      assert.equal(textOf(await client.callTool({ name: 'greet_user', arguments: { name: 'Ada' } })), 'Hello, Ada! Nice to meet you. This is a test message.');
      await transport.terminateSession();
    } finally {
      child.kill('SIGTERM');
      await exited;
    }
  });

  it('fails, naming each runtime and why, instead of printing "is up" while a runtime cannot start', async () => {
    const folder = await mkdtemp(join(scratch, 'broken-'));
    await writeFile(join(folder, 'broken.mjs'), "import 'no-such-package-for-toolport-tests';\n");
    await writeFile(join(folder, 'toolport.yaml'), 'runtimes:\n  - { name: crashes, module: broken.mjs, sessions: { warmPool: 0 } }\n');
    const result = await cliIn(scratch, ['up', '--config', join(folder, 'toolport.yaml'), '--port', '0', '--data-dir', join(folder, 'data')]);
    assert.notEqual(result.code, 0);
    assert.doesNotMatch(result.stdout, /is up/);
    assert.match(result.stderr, /runtime "crashes" cannot start: the worker exited \(code 1\) before answering initialize/);
    assert.match(result.stderr, /Cannot find package 'no-such-package-for-toolport-tests'/);
  });

  it('refuses a config whose module or program does not exist, naming the absolute path it looked for', async () => {
    const folder = await mkdtemp(join(scratch, 'missing-'));
    await writeFile(join(folder, 'toolport.yaml'), 'runtimes:\n  - { name: gone, module: ./gone.ts }\n');
    const result = await cliIn(scratch, ['up', '--config', join(folder, 'toolport.yaml'), '--port', '0', '--data-dir', join(folder, 'data')]);
    assert.notEqual(result.code, 0);
    assert.match(result.stderr, new RegExp(`module: the module ${join(folder, 'gone.ts')} does not exist`));
    assert.doesNotMatch(result.stdout, /is up/);
  });
});

describe('runtime paths from the CLI and the API', () => {
  const platformReady = testPlatform();
  after(async () => (await platformReady).stop());

  it("sends --module and --command relative to the caller's folder as absolute paths", async () => {
    const platform = await platformReady;
    const common = ['--server', platform.url, '--token', platform.adminToken, '--json'];
    const byModule = await cliIn(GREET_FOLDER, ['runtime', 'create', 'bymodule', '--module', './tools.js', '--warm-pool', '0', ...common]);
    assert.equal(byModule.code, 0, byModule.stderr);
    assert.equal(JSON.parse(byModule.stdout).spec.module, join(GREET_FOLDER, 'tools.js'));
    const byCommand = await cliIn(GREET_FOLDER, ['runtime', 'create', 'bycommand', '--command', 'node server.js', '--warm-pool', '0', ...common]);
    assert.equal(byCommand.code, 0, byCommand.stderr);
    assert.equal(JSON.parse(byCommand.stdout).spec.cwd, GREET_FOLDER.replace(/\/$/, ''));
    const { client, transport } = await connectRuntime(platform, 'bycommand');
    assert.match(textOf(await client.callTool({ name: 'greet_user', arguments: { name: 'Ada' } })), /Ada/);
    await transport.terminateSession();
  });

  it('refuses at creation (400) a runtime whose module, program or working directory does not exist', async () => {
    const platform = await platformReady;
    const create = async (spec: Record<string, unknown>): Promise<{ status: number; message: string }> => {
      const response = await fetch(`${platform.url}/api/runtimes`, {
        method: 'POST',
        headers: { authorization: `Bearer ${platform.adminToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({ sessions: { warmPool: 0 }, ...spec }),
      });
      return { status: response.status, message: ((await response.json()) as { error: { message: string } }).error.message };
    };
    const missingModule = await create({ name: 'nomodule', module: join(scratch, 'absent.ts') });
    assert.equal(missingModule.status, 400);
    assert.match(missingModule.message, /module: the module \S+absent\.ts does not exist/);
    const missingProgram = await create({ name: 'noprogram', command: ['toolport-no-such-program'] });
    assert.equal(missingProgram.status, 400);
    assert.match(missingProgram.message, /command: the program "toolport-no-such-program" is not on PATH/);
    const missingPath = await create({ name: 'nopath', command: ['./serve.sh'], cwd: scratch });
    assert.equal(missingPath.status, 400);
    assert.match(missingPath.message, /command: the program \S+serve\.sh does not exist or is not executable/);
    const missingCwd = await create({ name: 'nocwd', command: ['node', 'x.js'], cwd: join(scratch, 'absent') });
    assert.equal(missingCwd.status, 400);
    assert.match(missingCwd.message, /cwd: the working directory \S+absent does not exist/);
  });
});
