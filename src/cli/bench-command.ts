import type { Command } from 'commander';
import { parseDuration } from '../config/index.js';
import { PHASES, runBench, type BenchResult } from '../client/index.js';
import { printJson, printTable } from './output.js';
import { UsageError } from './mcp-commands.js';

interface BenchFlags {
  compare?: string[];
  iterations: string;
  interval: string;
  tool?: string;
  args?: string;
  server?: string;
  qualifier?: string;
  token?: string;
  json?: boolean;
}

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
}

/** `toolport bench TARGET [--compare TARGET2 ...]`: seed 004's latency experiment against any MCP endpoints. */
export function registerBenchCommand(program: Command): void {
  program
    .command('bench <target>')
    .description('time connection, initialize, tools/list and tools/call, each iteration on a fresh connection (ms)')
    .option('--compare <target>', 'another target, interleaved A B A B (repeat)', (v: string, all: string[] = []) => [...all, v])
    .option('--iterations <n>', 'iterations per target', '50')
    .option('--interval <duration>', 'pause between iterations, e.g. 500ms', '0ms')
    .option('--tool <name>', 'tool to call (default: the first read-only tool needing no arguments; else none)')
    .option('--args <json>', 'arguments for --tool')
    .option('--server <url>', 'Toolport server for runtime:/gateway: names (env TOOLPORT_SERVER)')
    .option('--qualifier <endpoint>', 'runtime endpoint (default DEFAULT)')
    .option('--token <jwt>', 'bearer token for every target (env TOOLPORT_TOKEN)')
    .option('--json', 'print one JSON document')
    .action(async (target: string, flags: BenchFlags) => {
      const iterations = Number(flags.iterations);
      if (!Number.isInteger(iterations) || iterations < 1 || iterations > 100_000) throw new UsageError('--iterations must be a whole number from 1 to 100000');
      let args: Record<string, unknown> | undefined;
      try {
        if (flags.args) args = JSON.parse(flags.args) as Record<string, unknown>;
      } catch {
        throw new UsageError(`--args must be a JSON object, got ${flags.args}`);
      }
      let intervalMs: number;
      try {
        intervalMs = parseDuration(flags.interval);
      } catch (error) {
        throw new UsageError(`--interval: ${(error as Error).message}`);
      }
      const token = flags.token ?? process.env.TOOLPORT_TOKEN;
      const common = { ...(flags.server ? { server: flags.server } : {}), ...(flags.qualifier ? { qualifier: flags.qualifier } : {}), ...(token ? { token } : {}) };
      const results = await runBench(
        {
          targets: [target, ...(flags.compare ?? [])].map((t) => ({ target: t, ...common })),
          iterations,
          intervalMs,
          ...(flags.tool ? { tool: flags.tool } : {}),
          ...(args ? { args } : {}),
        },
        (done, total) => {
          if (process.stderr.isTTY) process.stderr.write(`\r${done}/${total} iterations`);
        },
      );
      if (process.stderr.isTTY) process.stderr.write('\n');
      if (flags.json) printJson(results);
      else printResults(results);
      if (results.some((result) => result.errors.length === iterations)) process.exitCode = 1;
    });
}
