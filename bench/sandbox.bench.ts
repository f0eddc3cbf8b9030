// Sandbox benchmark: the greet example server as a runtime with `isolation: process` (a plain child process per
// session) and with `isolation: sandbox` (bubblewrap and a cgroup per session, the default), side by side in one run on
// one in-process platform, with the direct server (`examples/greet/server.js --http`) as the reference where the
// goal names it. Measures: starting one worker, new-session initialize (burst and paced), tools/call, memory per
// session, and churn (sessions calling in a loop while new ones keep arriving and the pool refills).
//
// Run: npm run bench   (builds, then runs each bench; this one alone: node --import tsx bench/sandbox.bench.ts)
// Prints tables and writes the same results to docs/benchmarks.md, between the sandbox-bench markers (not with BENCH_NO_WRITE=1).
// Everything targets 127.0.0.1; every loop is bounded in count and time; every process started here is stopped.
import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import type { Client } from '@modelcontextprotocol/client';
import { runtimeSpecSchema } from '../src/config/index.js';
import { runtimeUrl } from '../src/http/index.js';
import { createLogger } from '../src/log/index.js';
import { Worker } from '../src/runtime/index.js';
import { limitEnforcement } from '../src/sandbox/index.js';
import { startPlatform, type Platform } from '../src/server/index.js';
import {
  stopAfter,
  GREET,
  REQUEST_TIMEOUT_MS,
  ROOT,
  callGreet,
  closedLoop,
  connect,
  disconnect,
  initPhase,
  int,
  loadAverage,
  machine as machineInfo,
  mb,
  mdTable,
  ms,
  opPhase,
  ratio,
  sdkVersion,
  signed,
  sleep,
  startDirectServer,
  stats,
  stopChild,
  textTable,
  treeCpuMsOf,
  treeRssOf,
  verdict,
  waitForPool,
  warnings,
  writeSection,
  type Connection,
  type Machine,
  type PoolWatch,
  type Stats,
} from './lib.js';

const START_MARK = '<!-- sandbox-bench:start -->';
const END_MARK = '<!-- sandbox-bench:end -->';

const ISOLATIONS = ['process', 'sandbox'] as const;
type Isolation = (typeof ISOLATIONS)[number];
const RUNTIME: Record<Isolation, string> = { process: 'greet-process', sandbox: 'greet-sandbox' };

/** Workers started one by one outside the platform, per isolation, interleaved, after one warm-up pair. */
const START_N = int('BENCH_SB_START_N', 6);
/** Idle workers per runtime; two runtimes' pools and 32 sessions each must fit this shared machine's memory. */
const WARM_POOL = Math.min(int('BENCH_SB_WARM_POOL', 16), 64);
const MAX_SESSIONS = 128;
const INIT_WARMUP = 2;
/** At most what the pool holds, so every burst initialize gets a worker that had finished starting. */
const INIT_BURST = Math.min(int('BENCH_SB_INIT_BURST', 14), WARM_POOL - INIT_WARMUP);
const INIT_PACED = int('BENCH_SB_INIT_PACED', 10);
/** Longer than a worker's start-up, so each paced session's refill is done before the next one arrives. */
const INIT_PACE_MS = 1000;
const OP_WARMUP = 100;
const OP_N = int('BENCH_SB_OP_N', 500);
const SESSIONS = 32;
const LEVELS = [8, 32] as const;
const CHURN_MS = int('BENCH_SB_CHURN_MS', 3000);
const CHURN_WARMUP_MS = 300;
/** A new session every ARRIVAL_MS, closed after ARRIVAL_CALLS tools/call. */
const ARRIVAL_MS = 100;
const ARRIVAL_CALLS = 5;
const POOL_WAIT_MS = 60_000;
/** Hard stop for the whole run: past it the bench cleans up and exits non-zero. */
const RUN_LIMIT_MS = 480_000;

// ---------------------------------------------------------------- measurement helpers

/** A number after `key` in a flat-keyed cgroup file (`rss 123`), 0 when absent. */
const statField = (text: string, key: string): number => Number(new RegExp(`^${key} (\\d+)$`, 'm').exec(text)?.[1] ?? 0);

/**
 * Memory charged to the cgroup a process is in: cgroup v1's memory.usage_in_bytes (anonymous `rss` from memory.stat),
 * else cgroup v2's memory.current (`anon`). Page cache the session touched first (its memory-backed HOME and /tmp,
 * files it read first) is charged to it too, which VmRSS does not show.
 */
function cgroupMemoryOf(pid: number): { usage: number; anon: number } | undefined {
  try {
    const membership = readFileSync(`/proc/${pid}/cgroup`, 'utf8');
    const mounts = readFileSync('/proc/self/mountinfo', 'utf8')
      .split('\n')
      .map((line) => {
        const [left = '', right = ''] = line.split(' - ');
        const [, , , root = '/', point = ''] = left.split(' ');
        const [type, , options = ''] = right.split(' ');
        return { root, point, type, options: options.split(',') };
      });
    const v1 = /^\d+:[^:]*\bmemory\b[^:]*:(.*)$/m.exec(membership)?.[1];
    const v1Mount = mounts.find((m) => m.type === 'cgroup' && m.options.includes('memory'));
    if (v1 !== undefined && v1Mount) {
      const dir = join(v1Mount.point, v1.slice(v1Mount.root === '/' ? 0 : v1Mount.root.length));
      return {
        usage: Number(readFileSync(join(dir, 'memory.usage_in_bytes'), 'utf8')),
        anon: statField(readFileSync(join(dir, 'memory.stat'), 'utf8'), 'rss'),
      };
    }
    const v2 = /^0::(.*)$/m.exec(membership)?.[1];
    const v2Mount = mounts.find((m) => m.type === 'cgroup2');
    if (v2 === undefined || !v2Mount) return undefined;
    const dir = join(v2Mount.point, v2);
    return { usage: Number(readFileSync(join(dir, 'memory.current'), 'utf8')), anon: statField(readFileSync(join(dir, 'memory.stat'), 'utf8'), 'anon') };
  } catch {
    return undefined;
  }
}

// ---------------------------------------------------------------- phases

interface StartSample {
  /** Worker.start: HOME and credential, (sandbox) cgroup and bwrap command, spawn. */
  prepareMs: number;
  /** Spawned → the server's answer to its first initialize on stdin (a stdio server's "listening"). */
  readyMs: number;
  /** CPU of the worker's whole process tree when it answered (sh/prlimit/bwrap, bwrap's init, node). */
  cpuMs: number;
  rss: number;
  cgroup: number;
  /** stop(): SIGTERM → exited, cgroup and HOME removed. */
  stopMs: number;
}

/** Starts one greet worker the way the warm pool does, outside any platform, and times it to its first answer. */
async function startOne(isolation: Isolation): Promise<StartSample> {
  const spec = runtimeSpecSchema.parse({ command: [process.execPath, GREET], cwd: ROOT, isolation });
  const t0 = performance.now();
  const worker = await Worker.start(spec, createLogger('warn'));
  const t1 = performance.now();
  try {
    const answered = new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${isolation} worker did not answer initialize in 20 s: ${worker.stderrTail}`)), 20_000);
      worker.onmessage = () => {
        clearTimeout(timer);
        resolve(performance.now());
      };
    });
    await worker.send({
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'toolport-bench', version: '1.0.0' } },
    });
    const t2 = await answered;
    const sample = {
      prepareMs: t1 - t0,
      readyMs: t2 - t1,
      cpuMs: treeCpuMsOf(worker.pid),
      rss: treeRssOf(worker.pid),
      cgroup: cgroupMemoryOf(worker.pid)?.usage ?? NaN,
    };
    const t3 = performance.now();
    await worker.stop();
    return { ...sample, stopMs: performance.now() - t3 };
  } finally {
    await worker.stop();
  }
}

interface Churn {
  target: string;
  level: number;
  callsPerSecond: number;
  latency: Stats;
  init: number[];
  /** Loop calls that failed (a timeout after REQUEST_TIMEOUT_MS counts with its full wait in the latencies). */
  loopFailed: number;
  arrivals: number;
  /** Arrivals that found the warm pool empty (so waited for a worker to start). */
  poolEmpty: number;
  failed: number;
  /** Workers the runtime started while the arrivals ran (handed out + pool growth). */
  started: number;
  seconds: number;
  /** CPU of this process (clients and the Toolport edge) per second of the run. */
  benchCores: number;
}

/**
 * `loops` call greet_user back to back for CHURN_MS while a new session arrives every ARRIVAL_MS, makes ARRIVAL_CALLS
 * calls and closes (DELETE). Arrivals are an arrival rate: one does not wait for the one before.
 */
async function churn(platform: Platform, target: string, url: URL, loops: Client[], runtime: string | undefined): Promise<Churn> {
  await closedLoop(loops, CHURN_WARMUP_MS, (client) => callGreet(client));
  const warm = (): number => (runtime ? platform.runtimes.warmWorkers(runtime).length : 0);
  const assignedBefore = platform.runtimes.workersAssigned;
  const warmBefore = warm();
  const cpuBefore = process.cpuUsage();
  const init: number[] = [];
  let poolEmpty = 0;
  let failed = 0;
  let loopFailed = 0;
  const loopCall = (client: Client): Promise<void> =>
    callGreet(client).catch((error: Error) => {
      loopFailed++;
      console.error(`  loop call failed (${target}): ${error.message}`);
    });
  const arrive = async (): Promise<void> => {
    if (runtime && warm() === 0) poolEmpty++;
    let connection: Connection | undefined;
    const t = performance.now();
    try {
      const opened = await connect(url).catch((error: Error) => {
        // A failed initialize is a new session that took at least this long, not one to leave out of the p50.
        init.push(performance.now() - t);
        throw error;
      });
      connection = opened.connection;
      init.push(opened.ms);
      for (let i = 0; i < ARRIVAL_CALLS; i++) await callGreet(connection.client);
    } catch (error) {
      failed++;
      console.error(`  arrival failed (${target}): ${(error as Error).message}`);
    } finally {
      if (connection) await disconnect(connection);
    }
  };
  const started = performance.now();
  const load = closedLoop(loops, CHURN_MS, loopCall);
  const arrivals: Promise<void>[] = [];
  for (let i = 0; i * ARRIVAL_MS < CHURN_MS; i++) {
    await sleep(Math.max(0, started + i * ARRIVAL_MS - performance.now()));
    arrivals.push(arrive());
  }
  const { latencies, seconds } = await load;
  await Promise.all(arrivals);
  const cpu = process.cpuUsage(cpuBefore);
  return {
    target,
    level: loops.length,
    callsPerSecond: latencies.length / seconds,
    latency: stats(latencies),
    init,
    loopFailed,
    arrivals: arrivals.length,
    poolEmpty,
    failed,
    started: platform.runtimes.workersAssigned - assignedBefore + (warm() - warmBefore),
    seconds: (performance.now() - started) / 1000,
    benchCores: (cpu.user + cpu.system) / 1e6 / ((performance.now() - started) / 1000),
  };
}

// ---------------------------------------------------------------- report

interface Memory {
  process: number[];
  sandbox: number[];
  cgroup: number[];
  cgroupAnon: number[];
}

interface Results {
  date: string;
  machine: Machine;
  node: string;
  sdk: string;
  limits: string;
  starts: Record<Isolation, StartSample[]>;
  poolFillSeconds: number;
  /** Per target (direct, process, sandbox). */
  burst: number[][];
  paced: number[][];
  call: Stats[];
  memory: Memory;
  churn: Churn[];
  listenerWarnings: number;
  durationSeconds: number;
}

const TARGETS = ['direct', 'process', 'sandbox'] as const;

function startRows(r: Results): string[][] {
  const row = (name: string, pick: (s: StartSample) => number, format: (v: number) => string = ms): string[] => {
    const [p, s] = ISOLATIONS.map((isolation) => stats(r.starts[isolation].map(pick))) as [Stats, Stats];
    return [name, format(p.p50), format(p.p95), format(s.p50), format(s.p95), ratio(s.p50, p.p50), signed(s.p50 - p.p50)];
  };
  return [
    row('Worker.start: HOME, (cgroup, bwrap command), spawn', (s) => s.prepareMs),
    row('spawned → first initialize answered', (s) => s.readyMs),
    row('total: start → ready', (s) => s.prepareMs + s.readyMs),
    row('CPU ms of the process tree at ready', (s) => s.cpuMs),
    row('RSS MB of the process tree at ready', (s) => s.rss / 1048576),
    row('stop: SIGTERM → exited, cgroup and HOME removed', (s) => s.stopMs),
  ];
}
const START_HEAD = ['one worker (ms unless named)', 'process p50', 'process p95', 'sandbox p50', 'sandbox p95', 'sandbox/process p50', 'sandbox−process p50'];

function latencyRows(r: Results): string[][] {
  const row = (name: string, [d, p, s]: Stats[]): string[] => [
    name,
    String(s?.n ?? 0),
    `${ms(d?.p50 ?? NaN)} / ${ms(d?.p95 ?? NaN)}`,
    `${ms(p?.p50 ?? NaN)} / ${ms(p?.p95 ?? NaN)}`,
    `${ms(s?.p50 ?? NaN)} / ${ms(s?.p95 ?? NaN)}`,
    ratio(s?.p50 ?? NaN, p?.p50 ?? NaN),
    signed((s?.p50 ?? NaN) - (p?.p50 ?? NaN)),
  ];
  return [
    row(`initialize, new session (burst, back to back)`, r.burst.map(stats)),
    row(`initialize, new session (paced, 1 per ${INIT_PACE_MS} ms)`, r.paced.map(stats)),
    row('tools/call greet_user, established session', r.call),
  ];
}
const LATENCY_HEAD = ['latency (ms)', 'n', 'direct p50 / p95', 'process p50 / p95', 'sandbox p50 / p95', 'sandbox/process p50', 'sandbox−process p50'];

function memoryRows(r: Results): string[][] {
  const m = r.memory;
  const base = stats(m.process).p50;
  const row = (name: string, values: number[]): string[] => {
    const s = stats(values);
    return [name, mb(s.p50), mb(s.p95), mb(values.reduce((sum, v) => sum + v, 0)), ratio(s.p50, base)];
  };
  return [
    row('process: VmRSS of the session’s process tree (/proc)', m.process),
    row('sandbox: VmRSS of the session’s process tree (/proc; bwrap, its init, node)', m.sandbox),
    row('sandbox: the session cgroup’s memory usage (anon + page cache)', m.cgroup),
    row('sandbox: of which anonymous (cgroup memory.stat)', m.cgroupAnon),
  ];
}
const MEMORY_HEAD = [`per session, ${SESSIONS} sessions open (MB)`, 'p50', 'p95', `sum of ${SESSIONS}`, 'p50 ÷ process'];

/** The paced initialize p50 of a target: its "idle" new-session figure. */
const idleInit = (r: Results, target: string): number => stats(r.paced[TARGETS.indexOf(target as (typeof TARGETS)[number])] ?? []).p50;
const startCpuMs = (r: Results, target: string): number => (target === 'direct' ? 0 : stats(r.starts[target as Isolation].map((s) => s.cpuMs)).p50);

function churnRows(r: Results): string[][] {
  return r.churn.map((c) => {
    const direct = r.churn.find((d) => d.level === c.level && d.target === 'direct');
    const init = stats(c.init);
    const startCores = (c.started * startCpuMs(r, c.target)) / 1000 / c.seconds;
    return [
      `${c.target}, ${c.level} sessions`,
      `${c.callsPerSecond.toFixed(0)}${c.loopFailed ? ` (${c.loopFailed} failed)` : ''}`,
      ratio(c.callsPerSecond, direct?.callsPerSecond ?? NaN),
      `${ms(c.latency.p50)} / ${ms(c.latency.p95)}`,
      `${ms(init.p50)} / ${ms(init.p95)}`,
      ratio(init.p50, idleInit(r, c.target)),
      `${c.arrivals} (${c.poolEmpty}${c.failed ? `, ${c.failed} failed` : ''})`,
      c.target === 'direct' ? '–' : `${c.started} (~${startCores.toFixed(2)} cores)`,
      c.benchCores.toFixed(2),
    ];
  });
}
const CHURN_HEAD = [
  'churn',
  'loop calls/s',
  '÷ direct',
  'loop call p50 / p95 ms',
  'new-session init p50 / p95 ms',
  'init p50 ÷ idle',
  'arrivals (pool empty)',
  'workers started (start CPU)',
  'bench-process cores',
];

function goals(r: Results): string[] {
  const [, burstP, burstS] = r.burst.map((s) => stats(s).p50) as [number, number, number];
  const [, pacedP, pacedS] = r.paced.map((s) => stats(s).p50) as [number, number, number];
  const added = (r.call[2]?.p50 ?? NaN) - (r.call[1]?.p50 ?? NaN);
  const at = (target: string, level: number): Churn | undefined => r.churn.find((c) => c.target === target && c.level === level);
  const churnGoal = (level: number): string => {
    const s = at('sandbox', level);
    const d = at('direct', level);
    const throughput = (s?.callsPerSecond ?? NaN) / (d?.callsPerSecond ?? NaN);
    const init = stats(s?.init ?? []).p50 / idleInit(r, 'sandbox');
    const throughputText =
      level === 8
        ? `throughput ${throughput.toFixed(2)}× direct (goal ≥ 0.5×) → ${verdict(throughput >= 0.5)}; `
        : `throughput ${throughput.toFixed(2)}× direct (no goal at 32); `;
    return `Churn at ${level} sessions, sandbox: ${throughputText}new-session p50 ${ms(stats(s?.init ?? []).p50)} ms = ${init.toFixed(2)}× its idle ${ms(idleInit(r, 'sandbox'))} ms (goal ≤ 2×) → ${verdict(init <= 2)}.`;
  };
  return [
    `New-session initialize p50 ≤ 25 ms with the pool, sandbox: ${ms(pacedS)} ms paced → ${verdict(pacedS <= 25)}; ${ms(burstS)} ms in a burst → ${verdict(burstS <= 25)} (process: ${ms(pacedP)} / ${ms(burstP)} ms).`,
    `tools/call p50 added by the sandbox over process ≤ 0.2 ms: ${signed(added)} ms → ${verdict(added <= 0.2)}.`,
    churnGoal(8),
    churnGoal(32),
  ];
}

function markdown(r: Results): string {
  const m = r.machine;
  const limits = runtimeSpecSchema.parse({ command: ['x'] }).limits;
  return `${START_MARK}
## Sandbox vs process

The greet example server as two runtimes of one in-process \`startPlatform\`, reached with the real MCP SDK client
(\`@modelcontextprotocol/client\` ${r.sdk}) over HTTP on 127.0.0.1, in one run, interleaved:

- **process:** \`isolation: process\`, a plain child process per session (the old behaviour).
- **sandbox:** \`isolation: sandbox\` (the default): bubblewrap (every namespace unshared, no network) and a cgroup per session
  (limits enforced here by **${r.limits}**; the schema's defaults: ${limits.cpus} CPU, ${limits.pids} pids, memory ${limits.memoryMb ?? 'default 1024'} MB, ${limits.diskMb} MB HOME/tmp).
- **direct:** \`node examples/greet/server.js --http\`, the reference the churn goal names.

Command: \`npm run bench\` (this part alone: \`npm run build && node --import tsx bench/sandbox.bench.ts\`; rewrites this section).
Machine: ${m.cpus} cores (\`nproc\`), ${m.model}, ${m.memGb} GB RAM; load average (1 / 5 / 15 min) ${m.load} at start, ${m.loadAtEnd} at end
(a shared machine with other work running: absolute numbers move with it; compare the ratios within this run).
Date: ${r.date}. Node ${r.node}. Whole run: ${r.durationSeconds.toFixed(0)} s.

### Goals

${goals(r)
  .map((g) => `- ${g}`)
  .join('\n')}

### Starting one worker (${START_N} of each, interleaved, after one warm-up pair)

${mdTable(START_HEAD, startRows(r))}

- \`Worker.start\` exactly as the warm pool calls it, outside any platform, then one \`initialize\` written to the worker's stdin:
  a stdio server has no port, so its first answer is its "listening". The greet server does its SDK warm-up before it reads stdin.
- CPU is utime + stime from \`/proc/PID/stat\` over the worker's process tree at that moment (for the sandbox: the
  \`sh\`/\`prlimit\`/\`bwrap\` process, bwrap's init in the new PID namespace, and node), the same source for both${r.limits === 'cgroup v1' ? ' (the session cgroups here are cgroup v1 pids, memory and cpu, with no per-session cpuacct)' : ''}.

### Latency (127.0.0.1)

${mdTable(LATENCY_HEAD, latencyRows(r))}

- Warm pool \`warmPool: ${WARM_POOL}\` and \`warmPoolMin: ${WARM_POOL}\` (held full, not sized by arrivals) per runtime, \`maxSessions: ${MAX_SESSIONS}\`, both full before measuring (a pool lists a worker once its server said it had loaded; ${r.poolFillSeconds.toFixed(0)} s for both).
  *initialize* is \`client.connect()\` (\`initialize\` + \`notifications/initialized\`) on a fresh client, one session per target per round
  (direct, process, sandbox), each round's sessions closed (DELETE) outside the timing. Burst: ${INIT_BURST} rounds after ${INIT_WARMUP} warm-up,
  back to back, no more than the pool holds; paced: ${INIT_PACED} rounds, one every ${INIT_PACE_MS} ms (the "idle" figure of the churn table).
- tools/call: ${OP_N} rounds after ${OP_WARMUP} warm-up, one established session per target, round-robin.

### Memory per session

${mdTable(MEMORY_HEAD, memoryRows(r))}

- Read with ${SESSIONS} sessions open on each runtime (each made one tools/call), pids from \`platform.runtimes.listSessions()\`.
  VmRSS counts pages shared between processes (node's code) once per process; the cgroup counts each page once, for the
  cgroup that touched it first, and includes page cache such as the session's memory-backed HOME and /tmp.

### Churn (tools/call greet_user, ${(CHURN_MS / 1000).toFixed(0)} s per row after ${CHURN_WARMUP_MS} ms warm-up)

${mdTable(CHURN_HEAD, churnRows(r))}

- N sessions call in a closed loop while a new session arrives every ${ARRIVAL_MS} ms (${Math.ceil(CHURN_MS / ARRIVAL_MS)} per row), makes ${ARRIVAL_CALLS} calls and
  is closed; the warm pool (${WARM_POOL}) refills meanwhile under the platform's own policy. Both pools were full before each row.
  *loop calls/s* counts the N looping sessions only; *÷ direct* is against the direct server at the same N; *init p50 ÷ idle*
  divides by the target's paced initialize p50 above.
- A loop call or an arrival that fails (the SDK client's ${REQUEST_TIMEOUT_MS / 1000} s request timeout) is counted, not retried; a timed-out loop call
  stays in the latencies with its full wait, and a failed initialize in the new-session figures with its time to failure.
- *pool empty*: arrivals that found no idle worker and waited for one to start. *workers started*: handed to sessions plus
  pool growth during the row; *start CPU* is that count × the median CPU of one start above, spread over the row, in cores
  (an estimate, not a measurement). *bench-process cores*: CPU of this process (all clients and the Toolport edge) per second.
- Churn asks for ~10 starts/s, several cores' worth of starts on this machine: its goals need a cheaper start. Tried for
  module runtimes, on Node 20, and not kept (CPU-s, \`/usr/bin/time\` median of 5, load 10–15 on 2 cores): \`node -e 0\` 0.11;
  importing zod 0.19, \`@modelcontextprotocol/server\` 0.29, \`dist/tools/index.js\` (toolport/tools) 0.42,
  \`examples/greet/tools.js\` 0.48; a module worker to its \`initialize\` answer 0.58 (\`node scripts/worker-start-cost.mjs examples/greet/tools.js 7\`).
  - Kept: undici, which toolport/tools loaded for \`fetchThroughEnvProxy\` (0.17 CPU-s on its own), now loads only when a
    proxy is set: a module worker 0.58–0.61 → 0.45–0.47 CPU-s (\`worker-start-cost.mjs\` above, 10 starts, before and
    after interleaved twice, load 9–15). The greet server of this bench starts through the same code.
  - A V8 startup snapshot: toolport/tools bundled by esbuild into one CommonJS script, then \`node --snapshot-blob s.blob
    --build-snapshot bundle.cjs\`, fails in Node 20's snapshot builder (\`node:http\`, which the SDK server loads:
    \`methods.toSorted is not a function\`).
  - That bundle alone costs 0.24 CPU-s against 0.42 for the same code as ES modules, but a module imports
    \`toolport/tools\` and zod itself: Node 20's ES module loader loads them again from node_modules (an in-thread
    resolve hook, \`module.registerHooks\`, arrives in Node 22.15), so bundle plus module cost 0.69 against 0.55 without
    it. A snapshot would pay that twice as well; bundling the user's module too would move its \`import.meta.url\`.
${r.listenerWarnings > 0 ? `- The SDK client raised ${r.listenerWarnings} MaxListenersExceededWarning(s) (undici keeps one abort listener per request on the transport's signal until GC; freed by GC, not a leak).\n` : ''}${END_MARK}`;
}

// ---------------------------------------------------------------- main

async function main(): Promise<void> {
  const runStarted = performance.now();
  const machine = machineInfo();
  const sdk = sdkVersion();
  const phase = (text: string): void => console.error(`[${((performance.now() - runStarted) / 1000).toFixed(0)} s] ${text}`);
  console.error(`sandbox bench: ${machine.cpus} cores, ${machine.model}, node ${process.version}, load ${machine.load}`);

  const dataDir = await mkdtemp(join(os.tmpdir(), 'toolport-bench-'));
  let direct: { child: ChildProcess; url: URL } | undefined;
  let platform: Platform | undefined;
  const open: Connection[] = [];
  const guard = stopAfter(RUN_LIMIT_MS, cleanup);
  async function cleanup(): Promise<void> {
    await Promise.all(open.splice(0).map((connection) => disconnect(connection)));
    await platform?.close().catch((error: Error) => console.error(`platform close: ${error.message}`));
    platform = undefined;
    await stopChild(direct?.child);
    await rm(dataDir, { recursive: true, force: true });
  }

  try {
    phase(`start cost: 1+${START_N} workers of each isolation`);
    const starts: Results['starts'] = { process: [], sandbox: [] };
    for (let i = 0; i < 1 + START_N; i++) {
      for (const isolation of ISOLATIONS) {
        const sample = await startOne(isolation);
        if (i > 0) starts[isolation].push(sample);
      }
    }

    direct = await startDirectServer();
    platform = await startPlatform({ dataDir, port: 0, logger: createLogger('warn') });
    for (const isolation of ISOLATIONS) {
      await platform.control.createRuntime(RUNTIME[isolation], {
        command: [process.execPath, GREET],
        cwd: ROOT,
        isolation,
        sessions: { warmPool: WARM_POOL, warmPoolMin: WARM_POOL, maxSessions: MAX_SESSIONS },
      });
    }
    const live = platform;
    const urls = [direct.url, ...ISOLATIONS.map((isolation) => new URL(runtimeUrl(live.url, RUNTIME[isolation])))];
    const pool = (isolation: Isolation): PoolWatch => ({
      warm: () => live.runtimes.warmWorkers(RUNTIME[isolation]),
      size: WARM_POOL,
      waitMs: POOL_WAIT_MS,
    });
    const bothPools = async (what: string): Promise<number> => Math.max(...(await Promise.all(ISOLATIONS.map((i) => waitForPool(pool(i), `${i}: ${what}`)))));
    const poolFillSeconds = await bothPools('initial fill');

    phase(`initialize: burst of ${INIT_WARMUP}+${INIT_BURST} rounds`);
    const burst = await initPhase(urls, INIT_BURST, INIT_WARMUP);
    await bothPools('refill after burst');
    phase(`initialize: ${INIT_PACED} rounds, one per ${INIT_PACE_MS} ms`);
    const paced = await initPhase(urls, INIT_PACED, 0, INIT_PACE_MS);

    phase(`memory: opening ${SESSIONS} sessions on each target`);
    const clients: Client[][] = urls.map(() => []);
    for (let i = 0; i < SESSIONS; i++) {
      for (const [index, url] of urls.entries()) {
        const { connection } = await connect(url);
        open.push(connection);
        clients[index]?.push(connection.client);
        await callGreet(connection.client);
      }
    }
    const pidsOf = (isolation: Isolation): number[] => live.runtimes.listSessions(RUNTIME[isolation]).map((s) => s.pid);
    for (const isolation of ISOLATIONS) {
      if (pidsOf(isolation).length !== SESSIONS) throw new Error(`expected ${SESSIONS} ${isolation} sessions, found ${pidsOf(isolation).length}`);
    }
    const cgroups = pidsOf('sandbox').map((pid) => cgroupMemoryOf(pid) ?? { usage: NaN, anon: NaN });
    const memory: Memory = {
      process: pidsOf('process').map(treeRssOf),
      sandbox: pidsOf('sandbox').map(treeRssOf),
      cgroup: cgroups.map((c) => c.usage),
      cgroupAnon: cgroups.map((c) => c.anon),
    };

    await bothPools(`refill after ${SESSIONS} sessions`);
    phase(`tools/call: ${OP_WARMUP}+${OP_N} rounds`);
    const call = await opPhase(
      clients.map((c) => c[0] as Client),
      (client) => callGreet(client),
      OP_N,
      OP_WARMUP,
    );

    const churns: Churn[] = [];
    for (const level of LEVELS) {
      for (const [index, target] of TARGETS.entries()) {
        await bothPools(`before churn, ${target} at ${level}`);
        phase(`churn: ${target}, ${level} sessions, ${CHURN_MS} ms`);
        const runtime = target === 'direct' ? undefined : RUNTIME[target];
        churns.push(await churn(live, target, urls[index] as URL, (clients[index] ?? []).slice(0, level), runtime));
      }
    }

    machine.loadAtEnd = loadAverage();
    const results: Results = {
      date: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
      machine,
      node: process.version,
      sdk,
      limits: await limitEnforcement(),
      starts,
      poolFillSeconds,
      burst,
      paced,
      call,
      memory,
      churn: churns,
      listenerWarnings: warnings.listener,
      durationSeconds: (performance.now() - runStarted) / 1000,
    };
    console.log('');
    console.log(textTable(START_HEAD, startRows(results)));
    console.log('');
    console.log(textTable(LATENCY_HEAD, latencyRows(results)));
    console.log('');
    console.log(textTable(MEMORY_HEAD, memoryRows(results)));
    console.log('');
    console.log(textTable(CHURN_HEAD, churnRows(results)));
    console.log('');
    for (const goal of goals(results)) console.log(`- ${goal}`);
    await writeSection(markdown(results), { start: START_MARK, end: END_MARK }, 'Sandbox vs process');
  } finally {
    clearTimeout(guard);
    await cleanup();
  }
}

main().catch((error: Error) => {
  console.error(error.stack ?? error.message);
  process.exitCode = 1;
});
