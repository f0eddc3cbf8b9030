// CLI start-up benchmark: how long `toolport` takes from spawn to exit for the verbs a user types most, next to
// Node's own floor (`node -e 0`) measured in the same run. Goals (issue 14): `--version` ≤ 150 ms; `runtime list`
// and `tools URL` against a local server ≤ 300 ms, exit included.
//
// Run: npm run bench   (this part alone: npm run build && node --import tsx bench/cli.bench.ts)
// Prints a table and writes it to docs/benchmarks.md, between the cli-bench markers. The platform and the greet
// server run on 127.0.0.1 in their own processes and are stopped at the end; every loop is bounded in count.
import { execFile, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  ROOT,
  int,
  loadAverage,
  machine as machineInfo,
  mdTable,
  ms,
  ratio,
  spawnListening,
  startDirectServer,
  stats,
  stopAfter,
  sleep,
  stopChild,
  textTable,
  treeCpuMsOf,
  verdict,
  writeSection,
  type Machine,
  type Stats,
} from './lib.js';

const run = promisify(execFile);
const START_MARK = '<!-- cli-bench:start -->';
const END_MARK = '<!-- cli-bench:end -->';
const N = int('BENCH_CLI_N', 30);
const WARMUP = 3;
const BIN = join(ROOT, 'bin/toolport.js');

interface Command {
  label: string;
  args: string[];
  goalMs?: number;
}

interface Row extends Command {
  stats: Stats;
}

/** Wall time of one run, spawn to exit; a non-zero exit is a bench failure, not a sample. */
async function timed(args: string[]): Promise<number> {
  const started = performance.now();
  await run(process.execPath, args, { cwd: ROOT, env: { ...process.env, TOOLPORT_TOKEN: '' }, timeout: 30_000 });
  return performance.now() - started;
}

/** Waits (at most 30 s) until the platform's process tree, warm workers included, has stopped using CPU. */
async function settled(child: ChildProcess): Promise<void> {
  let last = treeCpuMsOf(child.pid ?? 0);
  for (let i = 0; i < 60; i++) {
    await sleep(500);
    const now = treeCpuMsOf(child.pid ?? 0);
    if (now - last < 20) return;
    last = now;
  }
}

/** Every command once per round, in turn, so each sees the same machine state. */
async function measure(commands: Command[]): Promise<Row[]> {
  const samples = commands.map((): number[] => []);
  for (let round = 0; round < WARMUP + N; round++) {
    for (const [index, command] of commands.entries()) {
      const took = await timed(command.args);
      if (round >= WARMUP) samples[index]?.push(took);
    }
  }
  return commands.map((command, index) => ({ ...command, stats: stats(samples[index] ?? []) }));
}

function rows(results: Row[]): string[][] {
  const floor = results[0]?.stats.p50 ?? 0;
  return results.map((row) => [
    row.label,
    String(row.stats.n),
    ms(row.stats.p50),
    ms(row.stats.p95),
    ratio(row.stats.p50, floor),
    row.goalMs === undefined ? '' : `≤ ${row.goalMs}: ${verdict(row.stats.p50 <= row.goalMs)}`,
  ]);
}
const HEAD = ['command (spawn to exit)', 'n', 'p50 ms', 'p95 ms', '÷ node -e 0', 'goal (p50 ms)'];

function markdown(results: Row[], m: Machine): string {
  return `${START_MARK}
## CLI start-up

Command: \`npm run bench\` (this part alone: \`npm run build && node --import tsx bench/cli.bench.ts\`; \`BENCH_CLI_N\`
sets the rounds). Machine: ${m.cpus} cores, ${m.model}, ${m.memGb} GB, Node ${process.version}; load average ${m.load} at
start, ${m.loadAtEnd} at end.

Each command is run ${N} times after ${WARMUP} warm-up rounds, the commands in turn within a round, from spawn until the
process has exited (what a shell or a script waits for). \`runtime list\` asks the demo platform (\`toolport up\` on
\`examples/toolport.yaml\`, its warm workers started and quiet); \`tools\` lists the greet server's tools over Streamable HTTP (connect, initialize, tools/list, close).
\`node -e 0\` is Node's own start-up and exit on this machine, the floor no verb can go under.

${mdTable(HEAD, rows(results))}

- How: \`src/cli/main.ts\` loads only the module of the verb named on the command line (\`--version\` loads commander
  alone), and a verb loads the YAML parser, the config schema, undici and the AWS signer only when it uses them.
- Before this change (issue 14's measurements on this machine): \`--version\` 0.55–0.61 s, \`runtime list\` 0.80 s.
  Re-measured before and after on 2026-12-07 (10 runs each, \`/usr/bin/time\`, quiet machine): \`--version\` p50 0.74 → 0.14 s;
  \`tools URL\` 0.95 → 0.69 s. What is left of \`tools\` is loading the MCP SDK client, zod and undici (about 110 + 100 + 112
  module files) and the MCP exchange itself; the 300 ms goal for it is not met.
${END_MARK}`;
}

async function main(): Promise<void> {
  const m = machineInfo();
  const dataDir = await mkdtemp(join(os.tmpdir(), 'toolport-cli-bench-'));
  let platform: ChildProcess | undefined;
  let greet: ChildProcess | undefined;
  const cleanup = async (): Promise<void> => {
    await Promise.all([stopChild(platform), stopChild(greet)]);
    await rm(dataDir, { recursive: true, force: true });
  };
  const guard = stopAfter(10 * 60_000, cleanup);
  try {
    const direct = await startDirectServer();
    greet = direct.child;
    const up = await spawnListening(
      [BIN, 'up', '--port', '0', '--data-dir', dataDir, '--config', join(ROOT, 'examples/toolport.yaml')],
      'toolport up',
      /Toolport is up at (http:\/\/127\.0\.0\.1:\d+)/,
    );
    platform = up.child;
    await settled(up.child);
    const token = (await readFile(join(dataDir, 'admin-token'), 'utf8')).trim();
    const results = await measure([
      { label: 'node -e 0', args: ['-e', '0'] },
      { label: 'toolport --version', args: [BIN, '--version'], goalMs: 150 },
      { label: 'toolport runtime list', args: [BIN, 'runtime', 'list', '--server', up.url.origin, '--token', token], goalMs: 300 },
      { label: 'toolport tools URL', args: [BIN, 'tools', direct.url.href], goalMs: 300 },
    ]);
    m.loadAtEnd = loadAverage();
    console.log(textTable(HEAD, rows(results)));
    await writeSection(markdown(results, m), { start: START_MARK, end: END_MARK }, 'CLI start-up');
  } finally {
    clearTimeout(guard);
    await cleanup();
  }
}

await main();
