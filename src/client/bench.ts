import { connect as tcpConnect } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { Agent, fetch as undiciFetch } from 'undici';
import { resolveTarget } from './target.js';
import { summarize, type Stats } from './stats.js';
import type { ConnectOptions } from './connect.js';

/** The phases of one iteration, as seed 004 timed them. */
export const PHASES = ['connection', 'initialize', 'list_tools', 'call_tool', 'total'] as const;
export type Phase = (typeof PHASES)[number];

/** What to measure: one or more targets, interleaved A B A B … */
export interface BenchOptions {
  targets: ConnectOptions[];
  iterations: number;
  intervalMs?: number;
  /** Tool to call each iteration; default the first read-only tool that needs no arguments (else no call is timed). */
  tool?: string;
  args?: Record<string, unknown>;
  /** Bounds each iteration (connect + list + call). */
  timeoutMs?: number;
}

/** Per-target results. */
export interface BenchResult {
  target: string;
  url: string;
  phases: Record<Phase, Stats>;
  errors: string[];
}

async function socketConnectMs(url: URL, timeoutMs: number): Promise<number> {
  const started = performance.now();
  const port = Number(url.port || (url.protocol === 'https:' ? 443 : 80));
  await new Promise<void>((resolve, reject) => {
    const socket =
      url.protocol === 'https:' ? tlsConnect({ host: url.hostname, port, servername: url.hostname }, () => done()) : tcpConnect({ host: url.hostname, port }, () => done());
    const timer = setTimeout(() => socket.destroy(new Error(`connect timed out after ${timeoutMs} ms`)), timeoutMs);
    function done(): void {
      clearTimeout(timer);
      socket.destroy();
      resolve();
    }
    socket.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
  return performance.now() - started;
}

/** One iteration on a fresh connection pool: connection, initialize, tools/list, tools/call. */
async function iterate(options: ConnectOptions, url: URL, bench: BenchOptions): Promise<Partial<Record<Phase, number>>> {
  const timeoutMs = bench.timeoutMs ?? 60_000;
  const times: Partial<Record<Phase, number>> = { connection: await socketConnectMs(url, timeoutMs) };
  const agent = new Agent({ connect: { timeout: timeoutMs } });
  const headers: Record<string, string> = options.token ? { authorization: `Bearer ${options.token}` } : {};
  const transport = new StreamableHTTPClientTransport(url, {
    requestInit: { headers },
    fetch: ((input: string | URL, init?: RequestInit) => undiciFetch(input, { ...(init as object), dispatcher: agent })) as unknown as typeof fetch,
  });
  const client = new Client({ name: 'toolport-bench', version: '0.1.0' });
  try {
    let mark = performance.now();
    await client.connect(transport, { timeout: timeoutMs });
    times.initialize = performance.now() - mark;
    mark = performance.now();
    const { tools } = await client.listTools(undefined, { timeout: timeoutMs });
    times.list_tools = performance.now() - mark;
    // Without --tool only a tool that declares itself read-only and needs no arguments is called: a benchmark must
    // not fire tools with side effects by guessing.
    const name = bench.tool ?? tools.find((tool) => tool.annotations?.readOnlyHint === true && !(tool.inputSchema.required as string[] | undefined)?.length)?.name;
    if (name) {
      mark = performance.now();
      const result = await client.callTool({ name, arguments: bench.args ?? {} }, { timeout: timeoutMs });
      times.call_tool = performance.now() - mark;
      if (result.isError) throw new Error(`tool ${name} answered with an error result`);
    }
    times.total = (times.initialize ?? 0) + (times.list_tools ?? 0) + (times.call_tool ?? 0);
    return times;
  } finally {
    await transport.terminateSession().catch(() => undefined);
    await client.close().catch(() => undefined);
    await agent.close();
  }
}

/** Seed 004's method: every iteration connects afresh, targets interleave, each phase is summarized. */
export async function runBench(bench: BenchOptions, onIteration?: (done: number, total: number) => void): Promise<BenchResult[]> {
  const urls = bench.targets.map((target) => resolveTarget(target.target, target));
  const samples = bench.targets.map(() => Object.fromEntries(PHASES.map((phase) => [phase, [] as number[]])) as Record<Phase, number[]>);
  const errors: string[][] = bench.targets.map(() => []);
  for (let i = 0; i < bench.iterations; i++) {
    for (const [index, target] of bench.targets.entries()) {
      try {
        const times = await iterate(target, urls[index] as URL, bench);
        for (const phase of PHASES) if (times[phase] !== undefined) samples[index]?.[phase].push(times[phase] as number);
      } catch (error) {
        errors[index]?.push(`iteration ${i + 1}: ${(error as Error).message}`);
      }
    }
    onIteration?.(i + 1, bench.iterations);
    if (bench.intervalMs && i < bench.iterations - 1) await new Promise((resolve) => setTimeout(resolve, bench.intervalMs));
  }
  return bench.targets.map((target, index) => ({
    target: target.target,
    url: (urls[index] as URL).href,
    phases: Object.fromEntries(PHASES.map((phase) => [phase, summarize(samples[index]?.[phase] ?? [])])) as Record<Phase, Stats>,
    errors: errors[index] ?? [],
  }));
}
