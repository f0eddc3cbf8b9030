// Gateway benchmark: the same tools reached directly, through the runtime, and through the gateway with an mcp, a
// function and an openapi target, side by side in one run, with the real MCP SDK client; plus tools/list of 2,480
// tools from a live MCP server against the gateway fronting it, and the gateway process's RSS.
//
// Run: npm run bench   (builds, runs bench/runtime.bench.ts, then: node --import tsx bench/gateway.bench.ts)
// Prints tables and writes the same results to docs/benchmarks.md, between the gateway-bench markers.
// Toolport runs as its own process (`bin/toolport.js up`, from dist/), like the direct server, so neither side shares
// an event loop with the clients. Everything targets 127.0.0.1; every loop is bounded in count and time; every
// process started here is stopped.
import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import type { Client } from '@modelcontextprotocol/client';
import { gatewayUrl, runtimeUrl } from '../src/http/index.js';
import {
  stopAfter,
  GREET,
  GREETING,
  REQUEST_TIMEOUT_MS,
  ROOT,
  closedLoop,
  connect,
  disconnect,
  initPhase,
  int,
  listTools,
  loadAverage,
  machine as machineInfo,
  mb,
  mdTable,
  ms,
  opPhase,
  ratio,
  rssOf,
  sdkVersion,
  signed,
  sleep,
  spawnListening,
  startDirectServer,
  stats,
  stopChild,
  textTable,
  treeCpuMsOf,
  verdict,
  warnings,
  writeSection,
  type Connection,
  type Machine,
  type Stats,
} from './lib.js';

const START_MARK = '<!-- gateway-bench:start -->';
const END_MARK = '<!-- gateway-bench:end -->';

const INIT_WARMUP = 3;
const INIT_N = int('BENCH_GW_INIT_N', 30);
/** Idle runtime workers: more than the initialize phase takes, so no new session waits for a worker to start. */
const WARM_POOL = 40;
const OP_WARMUP = 50;
const OP_N = int('BENCH_GW_OP_N', 500);
const LEVELS = [1, 8, 32] as const;
const SESSIONS = 32;
const THROUGHPUT_MS = int('BENCH_GW_THROUGHPUT_MS', 2000);
const THROUGHPUT_WARMUP_MS = 300;
const BIG_LIST_WARMUP = 5;
const BIG_LIST_N = int('BENCH_GW_LIST_N', 40);
const BIG_TOOLS = 2480;
/** Waiting for processes to go quiet (worker start-ups, catalog syncs) before measuring. */
const QUIET_WINDOW_MS = 400;
const QUIET_CPU_MS = 30;
const QUIET_WAIT_MS = 60_000;
/** Hard stop for the whole run: past it the bench cleans up and exits non-zero. */
const RUN_LIMIT_MS = int('BENCH_GW_RUN_LIMIT_MS', 300_000);

// ---------------------------------------------------------------- what is compared

/** One way of reaching a tool: an MCP endpoint and the tool's name and arguments there. */
interface Side {
  key: string;
  label: string;
  url: URL;
  tool: string;
  args: Record<string, unknown>;
  /** Throws unless `text` is the tool's expected answer. */
  check: (text: string) => void;
  /** Tool a tools/list on this endpoint must include. */
  listed: string;
}

const greetCheck = (text: string): void => {
  if (text !== GREETING) throw new Error(`unexpected greeting: ${text}`);
};
const petCheck = (text: string): void => {
  if (!text.includes('"Rex"')) throw new Error(`unexpected getPetById answer: ${text}`);
};

async function call(client: Client, side: Side): Promise<void> {
  const result = await client.callTool({ name: side.tool, arguments: side.args }, { timeout: REQUEST_TIMEOUT_MS });
  const first = result.content[0];
  if (result.isError || first?.type !== 'text') throw new Error(`${side.key}: ${side.tool} failed: ${JSON.stringify(result)}`);
  side.check(first.text);
}

// ---------------------------------------------------------------- Toolport as a process

interface Toolport {
  child: ChildProcess;
  url: string;
  adminToken: string;
}

async function startToolport(dataDir: string): Promise<Toolport> {
  // BENCH_CPU_PROF=DIR writes a CPU profile of Toolport there (open it in Chrome DevTools) when the run ends.
  const profile = process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : [];
  const { child, url } = await spawnListening(
    [...profile, join(ROOT, 'bin/toolport.js'), 'up', '--port', '0', '--data-dir', dataDir],
    'toolport up',
    /Toolport is up at (http:\/\/127\.0\.0\.1:\d+)/,
  );
  // The admin token is written to the data dir on first start (the same one `up` prints).
  const adminToken = readFileSync(join(dataDir, 'admin-token'), 'utf8').trim();
  return { child, url: url.origin, adminToken };
}

async function api(toolport: Toolport, method: string, path: string, body?: unknown): Promise<unknown> {
  const response = await fetch(`${toolport.url}/api${path}`, {
    method,
    headers: { authorization: `Bearer ${toolport.adminToken}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} /api${path} answered ${response.status}: ${text}`);
  return text ? JSON.parse(text) : undefined;
}

/** Waits until a process tree stops using CPU (runtime workers started, catalogs synced). */
async function waitQuiet(pid: number, what: string): Promise<void> {
  const started = performance.now();
  const cpu = (): number => treeCpuMsOf(pid);
  let last = cpu();
  while (performance.now() - started < QUIET_WAIT_MS) {
    await sleep(QUIET_WINDOW_MS);
    const now = cpu();
    if (now - last <= QUIET_CPU_MS) return;
    last = now;
  }
  console.error(`  Toolport still busy after ${QUIET_WAIT_MS / 1000} s (${what}); going on`);
}

/**
 * Syncs once more, now that Toolport is quiet, the targets whose first sync failed: on a busy machine a child process
 * (the function target's module host) can miss its start-up deadline while the runtime's warm pool is being filled.
 */
async function syncStale(toolport: Toolport, gateway: string): Promise<void> {
  const { targets } = (await api(toolport, 'GET', `/gateways/${gateway}`)) as { targets: { name: string; stale: boolean }[] };
  for (const { name } of targets.filter((target) => target.stale)) {
    const synced = (await api(toolport, 'POST', `/gateways/${gateway}/targets/${name}/sync`)) as { targets: { stale: boolean; lastError?: string }[] };
    const failed = synced.targets.find((target) => target.stale);
    if (failed) throw new Error(`target ${name} of gateway ${gateway} does not sync: ${failed.lastError ?? 'no reason given'}`);
  }
}

// ---------------------------------------------------------------- phases

interface Throughput {
  callsPerSecond: number;
  latency: Stats;
}

/** Calls the side's tool in a closed loop on every given session for `durationMs`. */
async function runLoad(clients: Client[], side: Side, durationMs: number): Promise<Throughput> {
  const { latencies, seconds } = await closedLoop(clients, durationMs, (client) => call(client, side));
  return { callsPerSecond: latencies.length / seconds, latency: stats(latencies) };
}

// ---------------------------------------------------------------- report

interface Results {
  date: string;
  machine: Machine;
  node: string;
  sdk: string;
  sides: Side[];
  init: { direct: Stats; runtime: Stats; gateway: Stats };
  list: Stats[];
  call: Stats[];
  /** Plain HTTP GET of the same pet from the pet store: the openapi target's "direct". */
  rest: Stats;
  throughput: { level: number; bySide: Throughput[] }[];
  bigList: { live: Stats; gateway: Stats; livePages: number; gatewayPages: number };
  rss: { idle: number; loaded: number; afterLoad: number };
  durationSeconds: number;
}

const LATENCY_HEAD = ['latency (ms)', 'n', 'p50', 'p95', 'p50 ÷ direct', 'p50 − direct', 'p95 − direct'];

function latencyRows(r: Results): string[][] {
  const row = (name: string, s: Stats, direct: Stats): string[] => [
    name,
    String(s.n),
    ms(s.p50),
    ms(s.p95),
    ratio(s.p50, direct.p50),
    signed(s.p50 - direct.p50),
    signed(s.p95 - direct.p95),
  ];
  const rows = [
    row('initialize: direct', r.init.direct, r.init.direct),
    row('initialize: runtime', r.init.runtime, r.init.direct),
    row('initialize: gateway', r.init.gateway, r.init.direct),
  ];
  for (const [i, side] of r.sides.entries()) rows.push(row(`tools/list: ${side.label}`, r.list[i] as Stats, r.list[0] as Stats));
  for (const [i, side] of r.sides.entries()) rows.push(row(`tools/call ${side.tool}: ${side.label}`, r.call[i] as Stats, r.call[0] as Stats));
  rows.push(row('GET /api/pets/1 on the pet store, plain HTTP (no MCP)', r.rest, r.call[0] as Stats));
  return rows;
}

const THROUGHPUT_HEAD = ['calls/s (p50 ms)', ...LEVELS.map((level) => `${level} client${level > 1 ? 's' : ''}`), `÷ direct at ${LEVELS.join(' / ')}`];

function throughputRows(r: Results): string[][] {
  return r.sides.map((side, i) => {
    const at = (level: number): Throughput | undefined => r.throughput.find((t) => t.level === level)?.bySide[i];
    const cell = (level: number): string => `${at(level)?.callsPerSecond.toFixed(0) ?? 'n/a'} (${ms(at(level)?.latency.p50 ?? NaN)})`;
    const ratios = LEVELS.map((level) => {
      const direct = r.throughput.find((t) => t.level === level)?.bySide[0]?.callsPerSecond ?? NaN;
      return ratio(at(level)?.callsPerSecond ?? NaN, direct);
    }).join(' / ');
    return [side.label, ...LEVELS.map(cell), ratios];
  });
}

function bigListRows(r: Results): string[][] {
  const { live, gateway, livePages, gatewayPages } = r.bigList;
  return [
    [`live MCP server (fixture process, ${livePages} page${livePages > 1 ? 's' : ''})`, String(live.n), ms(live.p50), ms(live.p95), '1.00×'],
    [
      `gateway in front of it (stored catalog, ${gatewayPages} page${gatewayPages > 1 ? 's' : ''})`,
      String(gateway.n),
      ms(gateway.p50),
      ms(gateway.p95),
      ratio(gateway.p50, live.p50),
    ],
  ];
}

function goals(r: Results): string[] {
  const direct = (r.call[0] as Stats).p50;
  const added = r.sides.slice(1).map((side, i) => ({ side, delta: (r.call[i + 1] as Stats).p50 - direct }));
  const gatewayMcp = added.find(({ side }) => side.key === 'gateway-mcp');
  const runtime = r.call[r.sides.findIndex((side) => side.key === 'runtime')] as Stats;
  const hosted = r.call[r.sides.findIndex((side) => side.key === 'gateway-runtime')] as Stats;
  const hostedDelta = hosted.p50 - runtime.p50;
  const { live, gateway } = r.bigList;
  return [
    `Gateway adds ≤ 1 ms p50 to tools/call over a direct connection (mcp target in front of the same greet server): ${signed(gatewayMcp?.delta ?? NaN)} ms → ${verdict((gatewayMcp?.delta ?? Infinity) <= 1)}.` +
      ` Other rows, for reference: ${added
        .filter(({ side }) => side.key !== 'gateway-mcp')
        .map(({ side, delta }) => `${side.label} ${signed(delta)} ms`)
        .join('; ')}.`,
    `Gateway → runtime target adds ≤ 1 ms p50 to tools/call over calling the runtime directly: ${signed(hostedDelta)} ms → ${verdict(hostedDelta <= 1)}.`,
    `tools/list of ${BIG_TOOLS} tools faster through the gateway than from a live server: p50 ${ms(gateway.p50)} ms vs ${ms(live.p50)} ms (${ratio(gateway.p50, live.p50)}) → ${verdict(gateway.p50 < live.p50)}.`,
  ];
}

function markdown(r: Results): string {
  const m = r.machine;
  return `${START_MARK}
## Gateway

The same tools reached side by side in one run, interleaved request by request, with the real MCP SDK client
(\`@modelcontextprotocol/client\` ${r.sdk}, \`Client\` + \`StreamableHTTPClientTransport\`, 2025-11-25 sessions):

${r.sides.map((side) => `- **${side.label}:** \`${side.url.pathname}\`, tool \`${side.tool}\``).join('\n')}

The direct server is \`node examples/greet/server.js --http\`; Toolport is \`node bin/toolport.js up\` in its own process (runtime
\`greet\` with a warm pool of ${WARM_POOL}; gateway \`bench\` with an mcp target in front of the direct greet server, an mcp target on the
runtime \`greet\` (\`runtime: greet\`), a function target
\`examples/gateway-function/tools.ts\` and an openapi target on \`examples/openapi-petstore\`; gateway \`catalog\` in front of a live
fixture server with the ${BIG_TOOLS} tools of \`data/tool-retrieval/tools.jsonl\`).

Command: \`npm run bench\` (builds, runs the runtime bench, then \`node --import tsx bench/gateway.bench.ts\`; rewrites this section).
Machine: ${m.cpus} cores (\`nproc\`), ${m.model}, ${m.memGb} GB RAM; load average (1 / 5 / 15 min) ${m.load} at start, ${m.loadAtEnd} at end.
Date: ${r.date}. Node ${r.node}. Whole run: ${r.durationSeconds.toFixed(0)} s.

### Goals

${goals(r)
  .map((g) => `- ${g}`)
  .join('\n')}

### Latency (127.0.0.1)

${mdTable(LATENCY_HEAD, latencyRows(r))}

- *initialize* is \`client.connect()\` on a fresh client (\`initialize\` + \`notifications/initialized\`), ${INIT_N} rounds after ${INIT_WARMUP} warm-up;
  each round's sessions are closed (DELETE) outside the timing. The gateway's initialize does not depend on its targets.
- tools/list and tools/call: ${OP_N} rounds after ${OP_WARMUP} warm-up, one established session per row, round-robin over the rows.
  The gateway's tools/list answers with its whole merged catalog (greet, hosted, function and pet store tools); the others list one server's tools.
- The function target runs \`tools.ts\` in a child process of Toolport; the openapi target turns a call into an HTTP request to the pet store.

### Throughput (tools/call, closed loop, ${THROUGHPUT_MS / 1000} s per level after ${THROUGHPUT_WARMUP_MS} ms warm-up)

${mdTable(THROUGHPUT_HEAD, throughputRows(r))}

- N clients = N sessions each calling in a loop. The runtime gives each session its own worker process; the gateway's mcp target
  shares one upstream connection to the direct server. All processes share the machine's ${m.cpus} cores with the clients.

### tools/list of ${BIG_TOOLS} tools (every page, ${BIG_LIST_N} times after ${BIG_LIST_WARMUP} warm-up, interleaved)

${mdTable(['', 'n', 'p50 ms', 'p95 ms', '÷ live'], bigListRows(r))}

### Where the time goes (profiled with \`BENCH_CPU_PROF=DIR\` and \`strace -c\` on this machine, 2026-12-04; not re-measured by the bench)

- **2,480-tool tools/list.** A plain \`tools/list\` on a gateway without permission rules is answered before the SDK from pages
  serialised once per catalog change (\`src/gateway/list-cache.ts\`), as one sized \`application/json\` body: no per-request server,
  no SSE framing, nothing kept in the session's event store, and one page up to the gateway's \`pageSize\` (default 5,000). What is
  left on either side is mostly the SDK client parsing and validating ~1.2 MB of tools, the same for both.
- **mcp target.** A forwarded call is a second MCP exchange: the gateway's inbound SDK path (shared with the function and openapi
  rows) plus one HTTP request to the upstream. The call now goes straight over the upstream session's SDK transport (no SDK
  \`Client\` request bookkeeping or result re-validation), and a response's pieces ready in one event-loop turn leave in one socket
  write (\`strace\`: 4.0 → 3.1 write syscalls per forwarded call, inbound and outbound together). The 1 ms goal is still not met, and
  this is why: an experiment (not kept) that answered plain \`tools/call\` before the SDK, as one JSON body, took gateway → function
  from about +1.4 to +0.4 ms and gateway → mcp from about +3.4 to +2.2 ms over direct (alternating runs): the upstream HTTP exchange alone
  (undici's fetch, the transport's JSON-RPC parse) costs more than 1 ms on this machine. Meeting the goal would take hand-written
  MCP on both sides of the gateway instead of the SDK's, giving up its per-revision result framing, cancellation and input-required
  handling for callers; not done. The inbound half is now kept without giving those up (see the runtime target).
- **runtime target.** A \`runtime:\` target reaches its runtime in process (\`RuntimeHost.inProcessTransport\`): the
  forwarded call goes from the gateway's upstream SDK client straight into the runtime session and the worker's stdio,
  with no loopback HTTP request, SSE framing or second JSON-RPC parse. Timestamps along one call (2026-12-07) then
  showed the gateway's inbound path costing about what the runtime edge costs, and the rest of the +2.14 ms (full run,
  load 5–9) spent between the worker's answer and the caller's: the audit transaction and the in-process log line
  written before the answer left, an \`AbortSignal.any\` per call for the guard's deadline, a 10 s readiness timer set up
  for every gateway request, and an \`AbortError\` raised after every finished response. Those now run after the answer
  has left (\`afterAnswersLeave\`, \`src/http/bridge.ts\`) or not at all. And a plain \`tools/call\` in the caller's own
  2025-11-25 session goes to the session's SDK server beside the SDK's HTTP transport (\`src/gateway/session-transport.ts\`),
  answered as one JSON body: the server still validates the request and the result, runs the caller, policy, input,
  guard and audit checks, frames the answer and maps errors, and a posted \`notifications/cancelled\` still reaches it;
  only the fetch \`Request\`, the per-POST SSE stream and the node↔fetch bridge are skipped. Calls with a progress token,
  sessions that set a log level, another caller's session and every 2026-07-28 request keep the SDK's transport
  (\`test/gateway/direct-call.test.ts\` checks both paths answer alike). With the reduced command
  (\`BENCH_GW_INIT_N=5 BENCH_GW_OP_N=300 BENCH_GW_THROUGHPUT_MS=200 BENCH_GW_LIST_N=3\`) on this loaded machine, gateway →
  runtime went from +1.70 ms p50 over the runtime (load ~15) to +0.01 ms (load 10–19; the function row from +1.11 to
  +0.39 ms over direct), and +0.12 ms with \`BENCH_GW_OP_N=500\` (load 5–16): the 1 ms goal is met.
- **The gateway's own code** (routing, policy, cached compiled input validators, audit rows written in one transaction per
  event-loop turn) is a few percent of the Toolport process's CPU profile; the rest is HTTP plumbing and the SDK.

### Memory

- Toolport process RSS (VmRSS, the edge with both gateways and the runtime's control; runtime workers are separate processes, not included):
  ${mb(r.rss.idle)} MB after setup, ${mb(r.rss.loaded)} MB with ${SESSIONS} sessions open on each endpoint, ${mb(r.rss.afterLoad)} MB after the throughput runs.
${warnings.listener > 0 ? `- The SDK client raised ${warnings.listener} MaxListenersExceededWarning(s) (undici keeps one abort listener per request on the transport's signal until GC; freed by GC, not a leak).\n` : ''}${END_MARK}`;
}

// ---------------------------------------------------------------- main

async function main(): Promise<void> {
  const runStarted = performance.now();
  const machine = machineInfo();
  const sdk = sdkVersion();
  console.error(`gateway bench: ${machine.cpus} cores, ${machine.model}, node ${process.version}, load ${machine.load}`);

  const dataDir = await mkdtemp(join(os.tmpdir(), 'toolport-gw-bench-'));
  const children: (ChildProcess | undefined)[] = [];
  let toolport: Toolport | undefined;
  const open: Connection[] = [];
  const guard = stopAfter(RUN_LIMIT_MS, cleanup);
  async function cleanup(): Promise<void> {
    await Promise.all(open.splice(0).map((connection) => disconnect(connection)));
    // SIGINT: `toolport up` closes the platform (and its workers) on it.
    if (toolport) await stopChild(toolport.child, 'SIGINT');
    await Promise.all(children.map((child) => stopChild(child)));
    await rm(dataDir, { recursive: true, force: true });
  }

  try {
    const direct = await startDirectServer();
    children.push(direct.child);
    const petstore = await spawnListening([join(ROOT, 'examples/openapi-petstore/server.js'), '--port', '0'], 'pet store');
    children.push(petstore.child);
    // One page for the live server: its fastest answer, the strictest comparison for the gateway.
    const fixture = await spawnListening(['--import', 'tsx', join(ROOT, 'bench/catalog-fixture.ts'), String(BIG_TOOLS)], 'catalog fixture');
    children.push(fixture.child);
    toolport = await startToolport(dataDir);
    const tp = toolport;
    await api(tp, 'POST', '/runtimes', {
      name: 'greet',
      command: [process.execPath, GREET],
      cwd: ROOT,
      sessions: { warmPool: WARM_POOL, warmPoolMin: WARM_POOL, maxSessions: 128 },
    });
    await api(tp, 'POST', '/gateways', {
      name: 'bench',
      auth: 'none',
      targets: [
        { name: 'greet', type: 'mcp', url: direct.url.href },
        { name: 'hosted', type: 'mcp', runtime: 'greet' },
        { name: 'functions', type: 'function', module: join(ROOT, 'examples/gateway-function/tools.ts') },
        { name: 'petstore', type: 'openapi', source: join(ROOT, 'examples/openapi-petstore/openapi.yaml'), baseUrl: petstore.url.href },
      ],
    });
    await api(tp, 'POST', '/gateways', { name: 'catalog', auth: 'none', targets: [{ name: 'api', type: 'mcp', url: fixture.url.href }] });
    await waitQuiet(tp.child.pid ?? -1, 'setup');
    await syncStale(tp, 'bench');

    const gateway = new URL(gatewayUrl(tp.url, 'bench'));
    const sides: Side[] = [
      { key: 'direct', label: 'direct', url: direct.url, tool: 'greet_user', args: { name: 'Bench' }, check: greetCheck, listed: 'greet_user' },
      {
        key: 'runtime',
        label: 'runtime',
        url: new URL(runtimeUrl(tp.url, 'greet')),
        tool: 'greet_user',
        args: { name: 'Bench' },
        check: greetCheck,
        listed: 'greet_user',
      },
      {
        key: 'gateway-mcp',
        label: 'gateway → mcp',
        url: gateway,
        tool: 'greet___greet_user',
        args: { name: 'Bench' },
        check: greetCheck,
        listed: 'greet___greet_user',
      },
      {
        key: 'gateway-runtime',
        label: 'gateway → runtime',
        url: gateway,
        tool: 'hosted___greet_user',
        args: { name: 'Bench' },
        check: greetCheck,
        listed: 'hosted___greet_user',
      },
      {
        key: 'gateway-function',
        label: 'gateway → function',
        url: gateway,
        tool: 'functions___greet_user',
        args: { name: 'Bench' },
        check: greetCheck,
        listed: 'functions___greet_user',
      },
      {
        key: 'gateway-openapi',
        label: 'gateway → openapi',
        url: gateway,
        tool: 'petstore___getPetById',
        args: { petId: 1 },
        check: petCheck,
        listed: 'petstore___getPetById',
      },
    ];
    console.error(sides.map((side) => `  ${side.label}: ${side.url.href} ${side.tool}`).join('\n'));

    console.error(`initialize: ${INIT_WARMUP}+${INIT_N} rounds`);
    const [initDirect = [], initRuntime = [], initGateway = []] = await initPhase([sides[0]?.url as URL, sides[1]?.url as URL, gateway], INIT_N, INIT_WARMUP);
    await waitQuiet(tp.child.pid ?? -1, 'refill after initialize');
    const rssIdle = rssOf(tp.child.pid ?? -1) ?? NaN;

    console.error(`opening ${SESSIONS} sessions per endpoint`);
    const sessions: Client[][] = [];
    for (const side of sides) {
      const clients: Client[] = [];
      for (let i = 0; i < SESSIONS; i++) {
        const { connection } = await connect(side.url);
        open.push(connection);
        clients.push(connection.client);
        await call(connection.client, side);
      }
      sessions.push(clients);
    }
    await waitQuiet(tp.child.pid ?? -1, 'refill after opening sessions');
    const rssLoaded = rssOf(tp.child.pid ?? -1) ?? NaN;
    const first = sessions.map((clients) => clients[0] as Client);

    console.error(`tools/list: ${OP_WARMUP}+${OP_N} rounds`);
    const list = await opPhase(first, (client, i) => listTools(client, sides[i]?.listed), OP_N, OP_WARMUP);
    console.error(`tools/call: ${OP_WARMUP}+${OP_N} rounds`);
    const petUrl = new URL('pets/1', `${petstore.url.href}/`);
    const [restClient] = first;
    const callStats = await opPhase(
      [...first, restClient as Client],
      async (client, i) => {
        const side = sides[i];
        if (side) return call(client, side);
        const response = await fetch(petUrl);
        petCheck(await response.text());
      },
      OP_N,
      OP_WARMUP,
    );
    const rest = callStats.pop() as Stats;

    const throughput: Results['throughput'] = [];
    for (const level of LEVELS) {
      const bySide: Throughput[] = [];
      for (const [i, side] of sides.entries()) {
        console.error(`throughput: ${side.label}, ${level} client(s), ${THROUGHPUT_MS} ms`);
        const clients = (sessions[i] ?? []).slice(0, level);
        await runLoad(clients, side, THROUGHPUT_WARMUP_MS);
        bySide.push(await runLoad(clients, side, THROUGHPUT_MS));
      }
      throughput.push({ level, bySide });
    }
    const rssAfterLoad = rssOf(tp.child.pid ?? -1) ?? NaN;

    console.error(`tools/list of ${BIG_TOOLS} tools: ${BIG_LIST_WARMUP}+${BIG_LIST_N} rounds`);
    const live = (await connect(fixture.url)).connection;
    const fronted = (await connect(new URL(gatewayUrl(tp.url, 'catalog')))).connection;
    open.push(live, fronted);
    const pages = { live: 0, gateway: 0 };
    const listAll = async (client: Client, which: keyof typeof pages): Promise<void> => {
      const listed = await listTools(client);
      if (listed.tools !== BIG_TOOLS) throw new Error(`${which}: expected ${BIG_TOOLS} tools, listed ${listed.tools}`);
      pages[which] = listed.pages;
    };
    const [bigLive, bigGateway] = await opPhase(
      [live.client, fronted.client],
      (client, i) => listAll(client, i === 0 ? 'live' : 'gateway'),
      BIG_LIST_N,
      BIG_LIST_WARMUP,
    );

    machine.loadAtEnd = loadAverage();
    const results: Results = {
      date: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
      machine,
      node: process.version,
      sdk,
      sides,
      init: { direct: stats(initDirect), runtime: stats(initRuntime), gateway: stats(initGateway) },
      list,
      call: callStats,
      rest,
      throughput,
      bigList: { live: bigLive as Stats, gateway: bigGateway as Stats, livePages: pages.live, gatewayPages: pages.gateway },
      rss: { idle: rssIdle, loaded: rssLoaded, afterLoad: rssAfterLoad },
      durationSeconds: (performance.now() - runStarted) / 1000,
    };
    console.log('');
    console.log(textTable(LATENCY_HEAD, latencyRows(results)));
    console.log('');
    console.log(textTable(THROUGHPUT_HEAD, throughputRows(results)));
    console.log('');
    console.log(textTable([`tools/list, ${BIG_TOOLS} tools`, 'n', 'p50 ms', 'p95 ms', '÷ live'], bigListRows(results)));
    console.log('');
    console.log(`Toolport RSS: ${mb(rssIdle)} MB after setup, ${mb(rssLoaded)} MB with ${SESSIONS} sessions per endpoint, ${mb(rssAfterLoad)} MB after load`);
    for (const goal of goals(results)) console.log(`- ${goal}`);
    await writeSection(markdown(results), { start: START_MARK, end: END_MARK }, 'Gateway');
  } finally {
    clearTimeout(guard);
    await cleanup();
  }
}

main().catch((error: Error) => {
  console.error(error.stack ?? error.message);
  process.exitCode = 1;
});
