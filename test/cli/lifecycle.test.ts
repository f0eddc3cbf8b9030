// The platform's processes live and die with it: SIGTERM to `npm start` (as a process manager sends it) stops the
// platform and every worker, and a SIGKILLed platform leaves no worker behind, whether sandboxed or `isolation:
// process`, stdio or HTTP (which would otherwise keep its port). Real `npm`, real `toolport up`, real workers.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { processTree } from '../helpers/processes.js';
import { stopChild } from '../helpers/teardown.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const GREET = join(ROOT, 'examples/greet/server.js');

/** Whether a pid is still a live process (a zombie has exited: it only waits for its parent to read its status). */
function running(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/** Waits (at most `ms`) until none of `pids` runs; resolves with the ones still running. */
async function gone(pids: number[], ms: number): Promise<number[]> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline && pids.some(running)) await new Promise((resolve) => setTimeout(resolve, 100));
  return pids.filter(running);
}

/** Resolves with the URL once `child` prints that Toolport is up; rejects if it exits first or takes over `ms`. */
function upAt(child: ChildProcess, ms: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(() => reject(new Error(`not up within ${ms} ms: ${seen}`)), ms);
    const onData = (chunk: Buffer): void => {
      seen += chunk.toString('utf8');
      const url = /Toolport is up at (http:\/\/127\.0\.0\.1:\d+)/.exec(seen)?.[1];
      if (url) {
        clearTimeout(timer);
        resolve(url);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`exited with ${code} before it was up: ${seen}`));
    });
  });
}

function isGreetServer(pid: number): boolean {
  try {
    // node itself, not the bwrap processes whose arguments name the server too.
    const [program, ...args] = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    return basename(program ?? '') === 'node' && args[0] === GREET;
  } catch {
    return false;
  }
}

/** Waits (at most `ms`) until `count` greet servers run under `pid`; resolves with all its descendants. */
async function servers(pid: number, count: number, ms: number): Promise<number[]> {
  const deadline = Date.now() + ms;
  let tree = processTree(pid).slice(1);
  while (Date.now() < deadline && tree.filter(isGreetServer).length < count) {
    await new Promise((resolve) => setTimeout(resolve, 200));
    tree = processTree(pid).slice(1);
  }
  return tree;
}

/** Waits (at most `ms`) until `pid` has at least `count` descendants: the warm workers have started. */
async function descendants(pid: number, count: number, ms: number): Promise<number[]> {
  const deadline = Date.now() + ms;
  let tree = processTree(pid);
  while (Date.now() < deadline && tree.length - 1 < count) {
    await new Promise((resolve) => setTimeout(resolve, 200));
    tree = processTree(pid);
  }
  return tree.slice(1);
}

describe('the platform and its workers stop together', () => {
  const started: ChildProcess[] = [];
  const dirs: string[] = [];
  after(async () => {
    for (const child of started) await stopChild(child, 'SIGKILL');
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  it('SIGTERM to npm start stops the platform and every worker, and npm exits', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'toolport-npm-start-'));
    dirs.push(dataDir);
    // The demo as `npm start` runs it, on a free port and a data directory of its own.
    const npm = spawn('npm', ['start', '--', '--port', '0', '--data-dir', dataDir], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    started.push(npm);
    await upAt(npm, 60_000);
    const tree = await descendants(npm.pid as number, 3, 30_000);
    assert.ok(tree.length >= 3, `npm, toolport and at least one worker: ${tree.join(' ')}`);
    const exited = new Promise<number | null>((resolve) => npm.once('exit', resolve));
    npm.kill('SIGTERM');
    assert.deepEqual(await gone([npm.pid as number, ...tree], 15_000), [], 'nothing of npm start is left running');
    assert.equal(await exited, 0);
  });

  it('a SIGKILLed platform leaves no worker behind, sandboxed or not, stdio or HTTP', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'toolport-sigkill-'));
    dirs.push(dataDir);
    const config = join(dataDir, 'toolport.yaml');
    const worker = (isolation: string, transport: string): string => {
      const http = transport === 'http';
      // An HTTP server does not end when its stdin closes, as a stdio one does: only the kernel's parent-death
      // signal (setpriv for `process`, bwrap's for a sandbox) can end it.
      const command = JSON.stringify(['node', GREET, ...(http ? ['--http', '--port', '{port}'] : [])]);
      return `  - { name: ${isolation}-${transport}, command: ${command}, isolation: ${isolation}, transport: ${transport}${http ? ', port: auto' : ''}, sessions: { warmPool: 1, warmPoolMin: 1 } }`;
    };
    await writeFile(
      config,
      ['runtimes:', worker('sandbox', 'stdio'), worker('sandbox', 'http'), worker('process', 'stdio'), worker('process', 'http'), ''].join('\n'),
    );
    const platform = spawn(process.execPath, [join(ROOT, 'bin/toolport.js'), 'up', '--config', config, '--port', '0', '--data-dir', join(dataDir, 'data')], {
      cwd: dataDir,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    started.push(platform);
    await upAt(platform, 60_000);
    // Four warm workers' servers, two of them in sandboxes (under bwrap and its init).
    const tree = await servers(platform.pid as number, 4, 30_000);
    assert.equal(tree.filter(isGreetServer).length, 4, `four warm workers should be running: ${tree.join(' ')}`);
    platform.kill('SIGKILL');
    assert.deepEqual(await gone(tree, 5_000), [], 'no worker outlives the platform');
  });
});
