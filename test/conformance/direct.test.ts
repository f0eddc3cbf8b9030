/**
 * Runs the official MCP conformance suite against examples/conformance/server.ts served
 * directly over Streamable HTTP, for both protocol revisions, and pins the outcome to
 * test/conformance/expected-failures.json: a new failure fails the test, and so does an
 * expected failure that starts passing (the list must then be trimmed).
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';

import { differenceFromExpected, runConformance, type ConformanceRevision, type ExpectedFailure } from './run-conformance.js';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const serverScript = fileURLToPath(new URL('../../examples/conformance/server.ts', import.meta.url));
const expectedFailures = JSON.parse(readFileSync(new URL('./expected-failures.json', import.meta.url), 'utf8')) as Record<
  ConformanceRevision,
  ExpectedFailure[]
>;

const REVISIONS: ConformanceRevision[] = ['2025-11-25', '2026-07-28'];
const STARTUP_TIMEOUT_MS = 30_000;
/** Each revision finishes in well under 15 s locally; the bound only guards against hangs. */
const SUITE_TIMEOUT_MS = 75_000;

/** Starts the fixture in HTTP mode on a kernel-chosen port and resolves with its /mcp URL. */
function startServer(): Promise<{ child: ChildProcess; url: string; stderr: () => string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', serverScript, '--http', '--port', '0'], {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString('utf8')).slice(-8000);
  });
  return new Promise((resolve, reject) => {
    let stdout = '';
    const timer = setTimeout(() => fail(new Error(`server did not start within ${STARTUP_TIMEOUT_MS} ms`)), STARTUP_TIMEOUT_MS);
    const fail = (error: Error): void => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(new Error(`${error.message}\nstderr:\n${stderr}`));
    };
    child.once('error', fail);
    child.once('exit', (code) => fail(new Error(`server exited early with code ${code}`)));
    child.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8');
      const match = /listening on (http:\/\/\S+)/.exec(stdout);
      if (!match?.[1]) return;
      clearTimeout(timer);
      child.removeAllListeners('exit');
      resolve({ child, url: match[1], stderr: () => stderr });
    });
  });
}

/** Stops the child: SIGTERM, then SIGKILL if it has not exited within 5 s. */
async function stopServer(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}

describe('conformance suite against examples/conformance/server.ts (direct HTTP)', { timeout: 180_000, concurrency: 1 }, () => {
  let server: Awaited<ReturnType<typeof startServer>> | undefined;

  before(async () => {
    server = await startServer();
  });

  after(async () => {
    if (server) await stopServer(server.child);
  });

  // Sequential on purpose: both runs share one server process, and the 2026 listen-stream
  // probes toggle the shared tool/prompt lists that the other revision's scenarios read.
  for (const revision of REVISIONS) {
    it(`passes every ${revision} server scenario except the expected failures`, { timeout: SUITE_TIMEOUT_MS + 10_000 }, async (t) => {
      assert.ok(server, 'server did not start');
      const result = await runConformance({ url: server.url, revision, timeoutMs: SUITE_TIMEOUT_MS, signal: t.signal });

      t.diagnostic(`${revision}: ${result.passed.length} passed, ${result.failed.length} failed`);
      const difference = differenceFromExpected(result, expectedFailures[revision]);
      assert.equal(difference, undefined, `${difference}\nserver stderr (tail):\n${server.stderr()}`);
      assert.ok(result.passed.length > 0, 'no scenario passed');
    });
  }
});
