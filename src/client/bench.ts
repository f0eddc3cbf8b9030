import type { Socket } from 'node:net';
import type { Agent } from 'undici';
import { summarize, type Stats } from './stats.js';
import { runLoad, type LoadOptions, type LoadResult } from './bench-load.js';
import { benchTarget, BENCH_TIMEOUT_MS, sessionOptions, type BenchTarget } from './bench-session.js';
import { connect } from './connect.js';
import type { ConnectOptions } from './connect.js';

/** The phases of one iteration, as seed 004 timed them. */
export const PHASES = ['connection', 'initialize', 'list_tools', 'call_tool', 'total'] as const;
export type Phase = (typeof PHASES)[number];

/** What to measure: one or more targets, interleaved A B A B … (each target's `timeoutMs` bounds its requests; default 120 s). */
export interface BenchOptions {
  targets: ConnectOptions[];
  iterations: number;
  intervalMs?: number;
  /** Tool to call each iteration; default the first read-only tool that needs no arguments (else no call is timed). */
  tool?: string;
  args?: Record<string, unknown>;
  /** A load phase after the iterations: concurrent calls over pooled sessions, per target. */
  load?: LoadOptions;
}

/** Per-target results. */
export interface BenchResult {
  target: string;
  url: string;
  /** The tool timed as call_tool (null: none named and no read-only tool without arguments). */
  tool: string | null;
  phases: Record<Phase, Stats>;
  /** Every successful iteration's time per phase, in order (ms): what the stats summarize. */
  samples: Record<Phase, number[]>;
  errors: string[];
  load?: LoadResult;
}

/** What the bench is doing now, for a progress display. */
export interface BenchProgress {
  stage: 'iterations' | 'load';
  done: number;
  total: number;
  /** The target of a load phase. */
  target?: string;
}

/**
 * Opens the TCP (and TLS) connection an iteration's requests then use: the handshake is timed as the connection
 * phase and the socket is handed to the iteration's pool for its first request, so initialize measures the request
 * alone. Later connections (the session's GET stream) are opened normally.
 */
async function openTimedConnection(url: URL, timeoutMs: number): Promise<{ ms: number; agent: Agent }> {
  const undici = await import('undici');
  const connector = undici.buildConnector({ timeout: timeoutMs });
  const options = {
    hostname: url.hostname,
    host: url.host,
    protocol: url.protocol,
    port: url.port || (url.protocol === 'https:' ? '443' : '80'),
    servername: url.hostname,
  };
  const started = performance.now();
  let socket: Socket | undefined = await new Promise<Socket>((resolve, reject) =>
    connector(options, (error, opened) => (error ? reject(error) : resolve(opened as Socket))),
  );
  const ms = performance.now() - started;
  const agent = new undici.Agent({
    connect: (connectOptions, callback) => {
      const warm = socket;
      socket = undefined;
      // undici expects the callback after connect() returns, as a real handshake would.
      if (warm && !warm.destroyed && connectOptions.hostname === options.hostname) setImmediate(() => callback(null, warm));
      else connector(connectOptions, callback);
    },
  });
  return { ms, agent };
}

/**
 * The tool an iteration calls: the one named — or, behind a gateway, the one tool named `{target}___NAME`, so one
 * `--tool` serves a runtime and the gateway in front of it — else the first read-only tool that needs no arguments.
 */
function benchTool(
  tools: { name: string; annotations?: { readOnlyHint?: boolean }; inputSchema: { required?: unknown } }[],
  named?: string,
): string | undefined {
  if (named) {
    if (tools.some((tool) => tool.name === named)) return named;
    const prefixed = tools.filter((tool) => tool.name.endsWith(`___${named}`)).map((tool) => tool.name);
    if (prefixed.length > 1) throw new Error(`--tool ${named} matches ${prefixed.join(', ')} here: name a tool that only one target has`);
    return prefixed[0] ?? named;
  }
  // A benchmark must not fire tools with side effects by guessing.
  return tools.find((tool) => tool.annotations?.readOnlyHint === true && !(tool.inputSchema.required as string[] | undefined)?.length)?.name;
}

/** One iteration on a fresh connection: connection, initialize, tools/list, tools/call. */
async function iterate(target: BenchTarget, bench: BenchOptions): Promise<{ times: Partial<Record<Phase, number>>; tool: string | undefined }> {
  const { ms, agent } = await openTimedConnection(target.url, target.options.timeoutMs ?? BENCH_TIMEOUT_MS);
  const times: Partial<Record<Phase, number>> = { connection: ms };
  const connection = await sessionOptions(target, agent, 'toolport-bench')
    .then((options) => {
      const mark = performance.now();
      return connect(options).then((opened) => ((times.initialize = performance.now() - mark), opened));
    })
    .catch(async (error: unknown) => {
      await agent.close();
      throw error;
    });
  try {
    let mark = performance.now();
    const { tools } = await connection.client.listTools();
    times.list_tools = performance.now() - mark;
    const tool = benchTool(tools, bench.tool);
    if (tool) {
      mark = performance.now();
      const result = await connection.client.callTool({ name: tool, arguments: bench.args ?? {} });
      times.call_tool = performance.now() - mark;
      if (result.isError) throw new Error(`tool ${tool} answered with an error result`);
    }
    times.total = (times.connection ?? 0) + (times.initialize ?? 0) + (times.list_tools ?? 0) + (times.call_tool ?? 0);
    return { times, tool };
  } catch (error) {
    throw connection.explain(error);
  } finally {
    await connection.close().catch(() => undefined);
    await agent.close();
  }
}

const emptySamples = (): Record<Phase, number[]> => Object.fromEntries(PHASES.map((phase) => [phase, [] as number[]])) as Record<Phase, number[]>;

/** Seed 004's method: every iteration connects afresh, targets interleave, each phase is summarized; then the optional load phase. */
export async function runBench(bench: BenchOptions, onProgress?: (progress: BenchProgress) => void): Promise<BenchResult[]> {
  const targets = bench.targets.map(benchTarget);
  const samples = bench.targets.map(emptySamples);
  const errors: string[][] = bench.targets.map(() => []);
  const tools: (string | undefined)[] = bench.targets.map(() => undefined);
  for (let i = 0; i < bench.iterations; i++) {
    for (const [index, target] of targets.entries()) {
      try {
        const { times, tool } = await iterate(target, bench);
        tools[index] ??= tool;
        for (const phase of PHASES) if (times[phase] !== undefined) samples[index]?.[phase].push(times[phase] as number);
      } catch (error) {
        errors[index]?.push(`iteration ${i + 1}: ${(error as Error).message}`);
      }
    }
    onProgress?.({ stage: 'iterations', done: i + 1, total: bench.iterations });
    if (bench.intervalMs && i < bench.iterations - 1) await new Promise((resolve) => setTimeout(resolve, bench.intervalMs));
  }
  const results: BenchResult[] = targets.map((target, index) => ({
    target: target.options.target,
    url: target.url.href,
    tool: tools[index] ?? null,
    phases: Object.fromEntries(PHASES.map((phase) => [phase, summarize(samples[index]?.[phase] ?? [])])) as Record<Phase, Stats>,
    samples: samples[index] ?? emptySamples(),
    errors: errors[index] ?? [],
  }));
  if (bench.load) {
    for (const [index, result] of results.entries()) {
      const target = targets[index] as BenchTarget;
      // Loading a tool no iteration could reach would only count the same error thousands of times.
      if (bench.tool && result.tool === null) {
        result.errors.push(`load phase skipped: no iteration reached --tool ${bench.tool}`);
        continue;
      }
      result.load = await runLoad(target, { ...bench.load, tool: result.tool ?? bench.tool, args: bench.args }, (done, total) =>
        onProgress?.({ stage: 'load', done, total, target: result.target }),
      );
    }
  }
  return results;
}
