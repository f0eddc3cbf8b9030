/**
 * Harness around the official MCP conformance suite's CLIENT scenarios: the suite starts a scenario server per
 * scenario and runs our client against it as
 *
 *   node22 .../conformance/dist/index.js client --command "node --import tsx examples/conformance/client.ts" --suite <suite> -o <dir>
 *
 * or with `--requirements <revision>` instead of `--suite`: the client scenarios a revision requires (plus its
 * not_scored ones), each at that revision's wire.
 *
 * (it appends the scenario server's URL to the command and sets MCP_CONFORMANCE_SCENARIO / MCP_CONFORMANCE_CONTEXT).
 * Each scenario writes `<dir>/<scenario>-<timestamp>/checks.json` (auth scenarios under `<dir>/auth/`); those files
 * are the source of truth, and the CLI's summary lines name every scenario it ran, so one that left no results still
 * counts as failed.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { conformanceCli, runCli, type Check, type ConformanceResult, type ConformanceRevision, type FailedScenario } from './run-conformance.js';

/** Client suites of the CLI (`core` holds the lifecycle scenarios and every `auth` one). */
export type ClientSuite = 'core' | 'auth';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
/** The Toolport client library's conformance entry point, run on the Node that runs Toolport (20+). */
export const CLIENT_COMMAND = 'node --import tsx examples/conformance/client.ts';
const TIMESTAMP = /-\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d-\d{3}Z$/;

/** Options for {@link runClientConformance}. */
export interface ClientConformanceOptions {
  /** What to run: a suite, or a revision's requirement set. */
  run: { suite: ClientSuite } | { requirements: ConformanceRevision };
  /** Kill the suite after this long; scenarios without results then count as failed. Default 150 s. */
  timeoutMs?: number;
  /** Per-scenario timeout handed to the CLI. Default 60 s: scenarios run in parallel on a shared machine. */
  scenarioTimeoutMs?: number;
  signal?: AbortSignal;
  /** Scenarios known to fail (the expected-failures file): not run a second time. */
  expectedFailures?: string[];
}

/** A scenario's checks, and the end of what our client wrote to stderr (why it stopped, when it failed). */
interface ScenarioResult {
  checks: Check[];
  stderr: string;
}

/** Every checks.json under `dir`, keyed by scenario (its directory path relative to `dir`, minus the timestamp). */
async function readClientResults(dir: string, root = dir): Promise<Map<string, ScenarioResult>> {
  const results = new Map<string, ScenarioResult>();
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (!entry.isDirectory()) continue;
    const path = join(dir, entry.name);
    const file = join(path, 'checks.json');
    if (TIMESTAMP.test(entry.name) && existsSync(file)) {
      const stderr = await readFile(join(path, 'stderr.txt'), 'utf8').catch(() => '');
      results.set(relative(root, path).replace(TIMESTAMP, ''), {
        checks: JSON.parse(await readFile(file, 'utf8')) as Check[],
        stderr: stderr.trim().slice(-600),
      });
    } else {
      for (const [scenario, checks] of await readClientResults(path, root)) results.set(scenario, checks);
    }
  }
  return results;
}

/** One run of the conformance CLI with the given scenario selection; a scenario fails on any FAILURE or WARNING check, or no results. */
async function runSelection(selection: string[], timeoutMs: number, scenarioTimeoutMs: number, signal?: AbortSignal): Promise<ConformanceResult> {
  const outputDir = await mkdtemp(join(tmpdir(), 'conformance-client-'));
  let output = '';
  try {
    const run = await runCli(
      [conformanceCli, 'client', '--command', CLIENT_COMMAND, ...selection, '--timeout', String(scenarioTimeoutMs), '-o', outputDir],
      repoRoot,
      timeoutMs,
      (chunk) => {
        output += chunk;
      },
      signal,
    );
    const results = await readClientResults(outputDir);
    const named = [...output.matchAll(/^[✓✗] (\S+): /gmu)].map((match) => match[1] as string);
    const scenarios = [...new Set([...named, ...results.keys()])].sort();
    if (scenarios.length === 0)
      throw new Error(`the conformance CLI ran no scenario (exit ${run.code}${run.timedOut ? ', killed on timeout' : ''}):\n${run.tail}`);
    const passed: string[] = [];
    const failed: FailedScenario[] = [];
    for (const scenario of scenarios) {
      const result = results.get(scenario);
      if (!result) {
        failed.push({ scenario, detail: `no results (${run.timedOut ? `suite killed after ${timeoutMs} ms` : `CLI exited with code ${run.code}`})` });
        continue;
      }
      const bad = result.checks.filter((check) => check.status === 'FAILURE' || check.status === 'WARNING');
      const said = result.stderr ? `\nthe client's stderr ends: ${result.stderr}` : '';
      if (bad.length === 0) passed.push(scenario);
      else failed.push({ scenario, detail: bad.map((check) => `${check.id} [${check.status}]: ${check.errorMessage ?? ''}`).join('\n') + said });
    }
    return { passed, failed };
  } finally {
    await rm(outputDir, { recursive: true, force: true });
  }
}

/** Most scenarios run again on their own after the suite, and how long each may take (see runClientConformance). */
const MAX_RERUNS = 4;
const RERUN_TIMEOUT_MS = 30_000;

/**
 * Runs client scenarios against the Toolport client. The CLI starts every scenario's client process at once (about
 * 40 on this machine's 2 cores), so a scenario can fail only because its client was starved; one that failed and is
 * not in `expectedFailures` runs once more on its own, and only a second failure counts. Those second chances are
 * listed in `rerun`, with the first failure's detail, so a scenario that keeps needing one is visible.
 */
export async function runClientConformance(options: ClientConformanceOptions): Promise<ConformanceResult & { rerun: FailedScenario[] }> {
  const scenarioTimeoutMs = options.scenarioTimeoutMs ?? 60_000;
  const selection = 'suite' in options.run ? ['--suite', options.run.suite] : ['--requirements', options.run.requirements];
  const first = await runSelection(selection, options.timeoutMs ?? 150_000, scenarioTimeoutMs, options.signal);
  const expected = new Set(options.expectedFailures ?? []);
  const unexpected = first.failed.filter((entry) => !expected.has(entry.scenario)).slice(0, MAX_RERUNS);
  const rerun: FailedScenario[] = [];
  const wire = 'requirements' in options.run ? ['--spec-version', options.run.requirements] : [];
  for (const entry of unexpected) {
    const alone = await runSelection(['--scenario', entry.scenario, ...wire], RERUN_TIMEOUT_MS, RERUN_TIMEOUT_MS - 5_000, options.signal);
    if (!alone.passed.includes(entry.scenario)) continue;
    rerun.push(entry);
    first.failed.splice(first.failed.indexOf(entry), 1);
    first.passed.push(entry.scenario);
  }
  first.passed.sort();
  return { ...first, rerun };
}
