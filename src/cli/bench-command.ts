import { writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { parseDuration } from '../config/index.js';
import { PHASES, renderBenchHtml, runBench, type BenchProgress, type BenchResult, type LoadOptions } from '../client/index.js';
import { EXIT_CODES } from './exit-codes.js';
import { wholeNumber } from './options.js';
import { printJson, printTable } from './output.js';
import { UsageError, authFlags, connectOptionsFrom, type AuthFlags } from './common.js';

interface BenchFlags extends AuthFlags {
  compare?: string[];
  iterations: string;
  interval: string;
  tool?: string;
  args?: string;
  concurrency?: string;
  duration: string;
  maxCalls: string;
  maxFailures: number;
  html?: string;
  json?: boolean;
}

/** Flags whose value is a secret, masked in the command line a report shows. */
const SECRET_FLAG = /^--(token|client-secret|password)$/;

const ms = (value: number): string => (Number.isFinite(value) ? value.toFixed(2) : '-');

/** The seed's table (mean ± stddev) plus median, p95, min and max, one block per target, with ratios to the first. */
function printResults(results: BenchResult[]): void {
  const first = results[0];
  for (const result of results) {
    process.stdout.write(`\n${result.target}  (${result.url})\n`);
    printTable(
      PHASES.map((phase) => {
        const stats = result.phases[phase];
        const base = first?.phases[phase].median ?? Number.NaN;
        return {
          phase,
          'mean ± sd': `${ms(stats.mean)} ± ${ms(stats.stddev)}`,
          median: ms(stats.median),
          p95: ms(stats.p95),
          min: ms(stats.min),
          max: ms(stats.max),
          n: stats.n,
          ...(results.length > 1 ? { 'x first': result === first ? '1.00' : (stats.median / base).toFixed(2) } : {}),
        };
      }),
      ['phase', 'mean ± sd', 'median', 'p95', 'min', 'max', 'n', ...(results.length > 1 ? ['x first'] : [])],
    );
    if (result.phases.call_tool.n === 0 && !result.errors.length) process.stdout.write('no tools/call timed: pass --tool NAME [--args JSON]\n');
    if (result.errors.length) process.stdout.write(`${result.errors.length} failed iteration(s); first: ${result.errors[0]}\n`);
  }
  const loaded = results.filter((result) => result.load);
  if (loaded.length === 0) return;
  process.stdout.write(`\nload phase\n`);
  printTable(
    loaded.map(({ target, load }) => ({
      target,
      operation: load?.operation,
      clients: load?.concurrency,
      calls: load?.calls,
      'calls/s': load?.callsPerSecond.toFixed(1),
      p50: ms(load?.latency.median ?? Number.NaN),
      p99: ms(load?.latency.p99 ?? Number.NaN),
      errors: load?.errors,
    })),
    ['target', 'operation', 'clients', 'calls', 'calls/s', 'p50', 'p99', 'errors'],
  );
  for (const { target, load } of loaded) if (load?.firstError) process.stdout.write(`${target}: first load error: ${load.firstError}\n`);
}

/** `[#######-------]  14/50 iterations`: one line, redrawn in place on a terminal. */
export function progressLine(progress: BenchProgress, width = 28): string {
  const fraction = progress.total > 0 ? Math.min(1, progress.done / progress.total) : 1;
  const filled = Math.round(fraction * width);
  const bar = `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}]`;
  return progress.stage === 'iterations' ? `${bar} ${progress.done}/${progress.total} iterations` : `${bar} load ${progress.target ?? ''} ${progress.done}%`;
}

function positiveInteger(value: string, flag: string, max: number): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > max) throw new UsageError(`${flag} must be a whole number from 1 to ${max}, got ${value}`);
  return n;
}

function duration(value: string, flag: string): number {
  try {
    return parseDuration(value);
  } catch (error) {
    throw new UsageError(`${flag}: ${(error as Error).message}`);
  }
}

function loadOptions(flags: BenchFlags): LoadOptions | undefined {
  if (flags.concurrency === undefined) return undefined;
  const durationMs = duration(flags.duration, '--duration');
  if (durationMs < 1) throw new UsageError('--duration must be longer than 0');
  return {
    concurrency: positiveInteger(flags.concurrency, '--concurrency', 1000),
    durationMs,
    maxCalls: positiveInteger(flags.maxCalls, '--max-calls', 10_000_000),
  };
}

/** `toolport bench TARGET [--compare TARGET2 ...]`: seed 004's latency experiment against any MCP endpoints. */
export function registerBenchCommand(program: Command): void {
  authFlags(program.command('bench <target>').description('time connection, initialize, tools/list and tools/call, each iteration on a fresh connection (ms)'))
    .option('--compare <target>', 'another target, interleaved A B A B (repeat)', (v: string, all: string[] = []) => [...all, v])
    .option('--iterations <n>', 'iterations per target', '50')
    .option('--interval <duration>', 'pause between iterations, e.g. 500ms', '0ms')
    .option('--tool <name>', 'tool to call; behind a gateway {target}___NAME matches too (default: the first read-only tool needing no arguments; else none)')
    .option('--args <json>', 'arguments for --tool')
    .option('--concurrency <n>', 'add a load phase: this many clients calling back to back on pooled sessions')
    .option('--duration <duration>', 'length of the load phase per target', '10s')
    .option('--max-calls <n>', 'stop the load phase after this many calls per target', '100000')
    .option('--html <file>', 'also write a self-contained HTML report with a chart per phase')
    .option('--max-failures <n>', 'failed iterations and load-phase calls to allow before exiting 1', wholeNumber(0), 0)
    .option('--json', 'print one JSON document')
    .action(async (target: string, flags: BenchFlags) => {
      const iterations = positiveInteger(flags.iterations, '--iterations', 100_000);
      let args: Record<string, unknown> | undefined;
      try {
        if (flags.args) args = JSON.parse(flags.args) as Record<string, unknown>;
      } catch {
        throw new UsageError(`--args must be a JSON object, got ${flags.args}`);
      }
      const intervalMs = duration(flags.interval, '--interval');
      const load = loadOptions(flags);
      // Every target gets the same auth (read once: a password is prompted for once); timed calls print no progress.
      const first = { ...(await connectOptionsFrom(target, flags)), onProgress: undefined };
      const targets = [first, ...(flags.compare ?? []).map((other) => ({ ...first, target: other }))];
      const tty = process.stderr.isTTY === true;
      const results = await runBench(
        {
          targets,
          iterations,
          intervalMs,
          ...(flags.tool ? { tool: flags.tool } : {}),
          ...(args ? { args } : {}),
          ...(load ? { load } : {}),
        },
        (progress) => {
          if (tty) process.stderr.write(`\r\x1b[2K${progressLine(progress)}`);
        },
      );
      if (tty) process.stderr.write('\r\x1b[2K');
      if (flags.html) {
        // The command shown in the report must not carry a secret: it is meant to be shared.
        const shown = process.argv
          .slice(2)
          .map((arg, i, all) => (SECRET_FLAG.test(all[i - 1] ?? '') ? '***' : arg.replace(/^(--(?:token|client-secret|password)=).+/, '$1***')));
        await writeFile(flags.html, renderBenchHtml(results, { command: `toolport ${shown.join(' ')}`, generatedAt: new Date(), iterations }));
        process.stderr.write(`report written to ${flags.html}\n`);
      }
      if (flags.json) printJson(results);
      else printResults(results);
      const failures = results.reduce((sum, result) => sum + result.errors.length + (result.load?.errors ?? 0), 0);
      const allowed = flags.maxFailures;
      if (failures > allowed) {
        process.stderr.write(`toolport: ${failures} failed request${failures === 1 ? '' : 's'}${allowed ? `, more than --max-failures ${allowed}` : ''}\n`);
        process.exitCode = EXIT_CODES.error;
      }
    });
}
