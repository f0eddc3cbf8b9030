import { summarize, type Stats } from './stats.js';
import { BENCH_TIMEOUT_MS, openBenchSession, type BenchTarget } from './bench-session.js';

/** The load phase: `concurrency` clients on pooled sessions, until `durationMs` passes or `maxCalls` were sent. */
export interface LoadOptions {
  concurrency: number;
  durationMs: number;
  maxCalls: number;
}

/** One bar of the latency histogram: calls that took from `fromMs` up to `toMs`. */
export interface HistogramBin {
  fromMs: number;
  toMs: number;
  count: number;
}

/** What the load phase measured for one target. */
export interface LoadResult {
  /** `tools/call NAME`, or `tools/list` when no tool is timed. */
  operation: string;
  concurrency: number;
  /** How long the phase ran (ms), from the first call to the last answer. */
  elapsedMs: number;
  /** Calls answered without error. */
  calls: number;
  errors: number;
  firstError?: string;
  callsPerSecond: number;
  /** Latency of the answered calls (ms); `median` is p50. */
  latency: Stats;
  histogram: HistogramBin[];
  /** Calls answered in each whole second of the phase. */
  perSecond: number[];
}

const HISTOGRAM_BINS = 24;

/** Log-spaced bins from the fastest to the slowest call (latencies are skewed; equal-width bins hide the body). */
export function histogram(values: number[], bins = HISTOGRAM_BINS): HistogramBin[] {
  if (values.length === 0) return [];
  const low = Math.max(Math.min(...values), 1e-3);
  const high = Math.max(...values, low);
  if (high / low < 1.0001) return [{ fromMs: low, toMs: high, count: values.length }];
  const ratio = Math.log(high / low) / bins;
  const edges = Array.from({ length: bins + 1 }, (_, i) => low * Math.exp(ratio * i));
  const result = edges.slice(0, -1).map((fromMs, i) => ({ fromMs, toMs: edges[i + 1] as number, count: 0 }));
  for (const value of values) {
    const at = Math.min(bins - 1, Math.max(0, Math.floor(Math.log(Math.max(value, low) / low) / ratio)));
    (result[at] as HistogramBin).count++;
  }
  return result;
}

/** Runs the load phase against one target; `onProgress` gets percent done (by time or by call count, whichever leads). */
export async function runLoad(
  target: BenchTarget,
  options: LoadOptions & { tool?: string | undefined; args?: Record<string, unknown> | undefined },
  onProgress?: (done: number, total: number) => void,
): Promise<LoadResult> {
  const timeoutMs = target.options.timeoutMs ?? BENCH_TIMEOUT_MS;
  const { Agent } = await import('undici');
  const agent = new Agent({ connections: options.concurrency * 2, connect: { timeout: timeoutMs } });
  const operation = options.tool ? `tools/call ${options.tool}` : 'tools/list';
  const latencies: number[] = [];
  const answeredAt: number[] = [];
  let errors = 0;
  let firstError: string | undefined;
  const fail = (error: unknown): void => {
    errors++;
    firstError ??= (error as Error).message ?? String(error);
  };
  const opened = await Promise.allSettled(Array.from({ length: options.concurrency }, () => openBenchSession(target, agent, 'toolport-bench-load')));
  const sessions = opened.flatMap((outcome) => (outcome.status === 'fulfilled' ? [outcome.value] : (fail(outcome.reason), [])));
  const started = performance.now();
  const deadline = started + options.durationMs;
  let sent = 0;
  const report = setInterval(
    () => onProgress?.(Math.min(100, Math.floor(100 * Math.max((performance.now() - started) / options.durationMs, sent / options.maxCalls))), 100),
    200,
  );
  try {
    await Promise.all(
      sessions.map(async ({ client, explain }) => {
        while (performance.now() < deadline && sent < options.maxCalls) {
          sent++;
          const mark = performance.now();
          try {
            if (options.tool) {
              const result = await client.callTool({ name: options.tool, arguments: options.args ?? {} });
              if (result.isError) throw new Error(`tool ${options.tool} answered with an error result`);
            } else {
              await client.listTools();
            }
            const now = performance.now();
            latencies.push(now - mark);
            answeredAt.push(now - started);
          } catch (error) {
            fail(explain(error));
          }
        }
      }),
    );
  } finally {
    clearInterval(report);
    await Promise.all(sessions.map((session) => session.close().catch(() => undefined)));
    await agent.close();
  }
  onProgress?.(100, 100);
  const elapsedMs = Math.max(...answeredAt, 0);
  const perSecond = Array.from({ length: Math.ceil(elapsedMs / 1000) }, () => 0);
  for (const at of answeredAt) perSecond[Math.min(perSecond.length - 1, Math.floor(at / 1000))]! += 1;
  return {
    operation,
    concurrency: options.concurrency,
    elapsedMs,
    calls: latencies.length,
    errors,
    ...(firstError ? { firstError } : {}),
    callsPerSecond: elapsedMs > 0 ? (latencies.length * 1000) / elapsedMs : 0,
    latency: summarize(latencies),
    histogram: histogram(latencies),
    perSecond,
  };
}
