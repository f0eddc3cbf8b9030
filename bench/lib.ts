// Helpers shared by the benchmarks (bench/*.bench.ts): percentiles, /proc readings, MCP SDK client sessions, the
// direct greet server, text and Markdown tables, and rewriting one bench's section of docs/benchmarks.md.
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { percentile } from '../src/client/index.js';
import { processTree } from '../test/helpers/processes.js';

export { processTree };

export const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const GREET = join(ROOT, 'examples/greet/server.js');
export const DOC = join(ROOT, 'docs/benchmarks.md');
export const REQUEST_TIMEOUT_MS = 10_000;
const POOL_POLL_MS = 100;

/** A positive integer from the environment (to shorten or lengthen a run), else `fallback`. */
export const int = (name: string, fallback: number): number => {
  const value = Number(process.env[name]);
  return Number.isInteger(value) && value > 0 ? value : fallback;
};

export const CLK_TCK = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/**
 * undici (under the SDK client's fetch) adds one abort listener per request to the transport's signal and drops it
 * when the Request is garbage-collected, so >1,500 quick requests on one session between GCs trip Node's
 * MaxListenersExceededWarning. It is not a leak (a GC frees them all); count the warnings instead of printing each.
 */
export const warnings = { listener: 0 };
process.removeAllListeners('warning');
process.on('warning', (warning) => {
  if (warning.name === 'MaxListenersExceededWarning') warnings.listener++;
  else console.error(`${warning.name}: ${warning.message}`);
});

// ---------------------------------------------------------------- measurement

export interface Stats {
  n: number;
  p50: number;
  p95: number;
}

export function stats(samples: number[]): Stats {
  const sorted = [...samples].sort((a, b) => a - b);
  return { n: sorted.length, p50: percentile(sorted, 50), p95: percentile(sorted, 95) };
}

/** Resident set size of a process in bytes, from /proc/PID/status (VmRSS); undefined once it is gone. */
export function rssOf(pid: number): number | undefined {
  try {
    const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kb ? Number(kb) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** User + system CPU time of a process in ms, from /proc/PID/stat. */
export function cpuMsOf(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLK_TCK;
  } catch {
    return 0;
  }
}

/** User + system CPU ms of a process and its live descendants. */
export const treeCpuMsOf = (pid: number): number => processTree(pid).reduce((sum, p) => sum + cpuMsOf(p), 0);

/** VmRSS bytes summed over a process and its live descendants (shared pages counted once per process). */
export const treeRssOf = (pid: number): number => processTree(pid).reduce((sum, p) => sum + (rssOf(p) ?? 0), 0);

export function selfRssAfterGc(): number {
  gc();
  gc();
  return process.memoryUsage.rss();
}

/** Closed-loop load: every client calls back to back until `durationMs` is up; each call's latency (ms) and the seconds it took. */
export async function closedLoop<C>(
  clients: C[],
  durationMs: number,
  call: (client: C) => Promise<unknown>,
): Promise<{ latencies: number[]; seconds: number }> {
  const latencies: number[] = [];
  const started = performance.now();
  const end = started + durationMs;
  await Promise.all(
    clients.map(async (client) => {
      while (performance.now() < end) {
        const t = performance.now();
        await call(client);
        latencies.push(performance.now() - t);
      }
    }),
  );
  return { latencies, seconds: (performance.now() - started) / 1000 };
}

/** Ends a bench that runs past `limitMs`: cleans up, then exits 1. Clear the returned timer once the run is done. */
export function stopAfter(limitMs: number, cleanup: () => Promise<void>): NodeJS.Timeout {
  const guard = setTimeout(() => {
    console.error(`bench exceeded ${limitMs / 1000} s; stopping`);
    process.exitCode = 1;
    void cleanup().finally(() => process.exit(1));
  }, limitMs);
  guard.unref();
  return guard;
}

export const sleep = (ms: number): Promise<void> => new Promise((done) => setTimeout(done, ms));
export const mb = (bytes: number): string => (bytes / 1048576).toFixed(1);
export const ms = (value: number): string => (Number.isFinite(value) ? value.toFixed(2) : 'n/a');
export const ratio = (b: number, a: number): string => (a > 0 && Number.isFinite(b) ? `${(b / a).toFixed(2)}×` : 'n/a');
export const signed = (value: number): string => `${value >= 0 ? '+' : ''}${value.toFixed(2)}`;
export const verdict = (ok: boolean): string => (ok ? 'met' : 'NOT met');

/** The machine a run happened on; `loadAtEnd` is filled in when it ends. */
export interface Machine {
  cpus: number;
  model: string;
  memGb: number;
  load: string;
  loadAtEnd: string;
}

export const loadAverage = (): string =>
  os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' / ');

export function machine(): Machine {
  return {
    cpus: Number(execFileSync('nproc', { encoding: 'utf8' }).trim()),
    model: os.cpus()[0]?.model ?? 'unknown CPU',
    memGb: Math.round(os.totalmem() / 2 ** 30),
    load: loadAverage(),
    loadAtEnd: '',
  };
}

export function sdkVersion(): string {
  return (JSON.parse(readFileSync(join(ROOT, 'node_modules/@modelcontextprotocol/client/package.json'), 'utf8')) as { version: string }).version;
}

// ---------------------------------------------------------------- MCP sessions

export interface Connection {
  client: Client;
  transport: StreamableHTTPClientTransport;
}

export async function connect(url: URL): Promise<{ connection: Connection; ms: number }> {
  const transport = new StreamableHTTPClientTransport(url);
  const client = new Client({ name: 'toolport-bench', version: '1.0.0' });
  // The GET stream a 2025 session opens after initialize may race a DELETE; that is not a bench failure.
  client.onerror = () => undefined;
  const started = performance.now();
  await client.connect(transport, { timeout: REQUEST_TIMEOUT_MS });
  return { connection: { client, transport }, ms: performance.now() - started };
}

/** Ends a session the way a client does: DELETE (sessionful servers) then close. */
export async function disconnect({ client, transport }: Connection): Promise<void> {
  await transport.terminateSession().catch(() => undefined);
  await client.close().catch(() => undefined);
}

export const GREETING = 'Hello, Bench! Nice to meet you. This is a test message.';

/** Calls greet_user (under `name`, e.g. a gateway's prefixed name) and checks the greeting. */
export async function callGreet(client: Client, name = 'greet_user'): Promise<void> {
  const result = await client.callTool({ name, arguments: { name: 'Bench' } }, { timeout: REQUEST_TIMEOUT_MS });
  const first = result.content[0];
  if (result.isError || first?.type !== 'text' || first.text !== GREETING) throw new Error(`unexpected ${name} result: ${JSON.stringify(result)}`);
}

/** Lists tools, following nextCursor; checks that `expected` (when given) is among them. */
export async function listTools(client: Client, expected?: string): Promise<{ tools: number; pages: number }> {
  const names: string[] = [];
  let cursor: string | undefined;
  let pages = 0;
  // Bounded: a list of more than 100 pages is a bench failure, not something to follow forever.
  while (pages < 100) {
    // One request per page (client.listTools() would walk the pages itself and hide how many there were).
    const { tools, nextCursor } = await client.request(
      { method: 'tools/list', params: cursor === undefined ? {} : { cursor } },
      { timeout: REQUEST_TIMEOUT_MS },
    );
    pages++;
    for (const tool of tools) names.push(tool.name);
    cursor = nextCursor;
    if (cursor === undefined) break;
  }
  if (cursor !== undefined) throw new Error('tools/list still had a nextCursor after 100 pages');
  if (expected !== undefined && !names.includes(expected)) throw new Error(`tools/list did not include ${expected}`);
  return { tools: names.length, pages };
}

/**
 * New-session initialize (client.connect) on each URL in turn, every round's sessions closed (DELETE) before the next,
 * outside the timing; with `paceMs`, one round starts every `paceMs` (an arrival rate, not a wait for anything).
 */
export async function initPhase(urls: URL[], n: number, warmup: number, paceMs = 0): Promise<number[][]> {
  const samples = urls.map((): number[] => []);
  for (let i = 0; i < warmup + n; i++) {
    const slot = performance.now();
    const opened: Connection[] = [];
    for (const [index, url] of urls.entries()) {
      const { connection, ms: took } = await connect(url);
      opened.push(connection);
      if (i >= warmup) samples[index]?.push(took);
    }
    await Promise.all(opened.map((connection) => disconnect(connection)));
    if (paceMs > 0) await sleep(Math.max(0, paceMs - (performance.now() - slot)));
  }
  return samples;
}

/** One request kind per side on established sessions, interleaved round-robin, after a warm-up. */
export async function opPhase(clients: Client[], op: (client: Client, index: number) => Promise<unknown>, n: number, warmup: number): Promise<Stats[]> {
  const samples = clients.map((): number[] => []);
  for (let i = 0; i < warmup + n; i++) {
    for (const [index, client] of clients.entries()) {
      const t = performance.now();
      await op(client, index);
      if (i >= warmup) samples[index]?.push(performance.now() - t);
    }
  }
  return samples.map(stats);
}

/** What {@link waitForPool} watches: a runtime's idle worker pids (e.g. `platform.runtimes.warmWorkers(name)`). */
export interface PoolWatch {
  warm: () => number[];
  size: number;
  /** How long to wait at most (ms). */
  waitMs: number;
}

/**
 * Waits until a warm pool is full. The pool lists a worker only once its server said it had loaded, so a full pool has
 * no start-up left running under the measurements. Resolves with the seconds it waited.
 */
export async function waitForPool(pool: PoolWatch, what: string): Promise<number> {
  const started = performance.now();
  while (performance.now() - started < pool.waitMs && pool.warm().length < pool.size) await sleep(POOL_POLL_MS);
  const seconds = (performance.now() - started) / 1000;
  const idle = pool.warm().length;
  if (idle < pool.size) console.error(`  warm pool still at ${idle}/${pool.size} after ${pool.waitMs / 1000} s (${what}); going on`);
  else console.error(`  warm pool ${idle}/${pool.size} and started (${what}, ${seconds.toFixed(1)} s)`);
  return seconds;
}

/** Starts a child process and resolves with the first URL its stderr/stdout announces (`listening on http://…`). */
export async function spawnListening(
  args: string[],
  what: string,
  pattern = /listening on (http:\/\/127\.0\.0\.1:\d+\S*)/,
): Promise<{ child: ChildProcess; url: URL }> {
  const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  const url = await new Promise<URL>((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(() => reject(new Error(`${what} did not start in 20 s: ${seen}`)), 20_000);
    const onData = (chunk: Buffer): void => {
      seen += chunk.toString('utf8');
      const match = pattern.exec(seen);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve(new URL(match[1]));
      }
    };
    child.stderr?.on('data', onData);
    child.stdout?.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${what} exited with ${code} before listening: ${seen}`));
    });
  });
  child.stderr?.resume();
  child.stdout?.resume();
  return { child, url };
}

/** The greet example server over Streamable HTTP (`examples/greet/server.js --http`) on a free loopback port. */
export function startDirectServer(): Promise<{ child: ChildProcess; url: URL }> {
  return spawnListening([GREET, '--http', '--port', '0', '--host', '127.0.0.1'], 'direct greet server');
}

/** Stops a child started here: `signal` (SIGTERM), then SIGKILL after 3 s. */
export async function stopChild(child: ChildProcess | undefined, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (!child || child.exitCode !== null) return;
  const exited = new Promise((done) => child.once('exit', done));
  child.kill(signal);
  await Promise.race([exited, sleep(3000)]);
  if (child.exitCode === null) child.kill('SIGKILL');
}

// ---------------------------------------------------------------- report

export function textTable(head: string[], rows: string[][]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] ?? '').length)));
  const line = (cells: string[]): string => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ');
  return [line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

export function mdTable(head: string[], rows: string[][]): string {
  const esc = (c: string): string => c.replaceAll('|', '\\|');
  return [
    `| ${head.map(esc).join(' | ')} |`,
    `|${head.map((_, i) => (i === 0 ? ' --- ' : ' ---: ')).join('|')}|`,
    ...rows.map((row) => `| ${row.map(esc).join(' | ')} |`),
  ].join('\n');
}

/** Writes one bench's section of docs/benchmarks.md (see {@link writeDoc}), unless BENCH_NO_WRITE marks a trial run. */
export async function writeSection(section: string, markers: { start: string; end: string }, name: string): Promise<void> {
  if (process.env.BENCH_NO_WRITE) return;
  await writeDoc(section, markers);
  console.log(`\nwrote ${DOC} (section ${name})`);
}

/** Replaces the text between `markers` in docs/benchmarks.md with `section` (appends it when the markers are missing). */
export async function writeDoc(section: string, markers: { start: string; end: string }): Promise<void> {
  let doc = existsSync(DOC) ? await readFile(DOC, 'utf8') : '# Benchmarks\n';
  const start = doc.indexOf(markers.start);
  const end = doc.indexOf(markers.end);
  if (start >= 0 && end > start) doc = doc.slice(0, start) + section + doc.slice(end + markers.end.length);
  else doc = `${doc.trimEnd()}\n\n${section}\n`;
  await mkdir(dirname(DOC), { recursive: true });
  await writeFile(DOC, doc);
}
