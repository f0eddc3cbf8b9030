// Scores the offline tool-search ranker on the tool-retrieval dev split and prints it next to the plain-BM25
// baseline. Exits non-zero below the targets (recall@5 0.70, MRR 0.75) so a ranking change cannot silently regress.
//   node --import tsx scripts/eval-search.ts        (data dir overridable with TOOL_RETRIEVAL_DIR)
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { percentile } from '../src/client/index.js';
import { ToolSearchIndex, type ToolDef, type ToolSearchOptions } from '../src/gateway/search/index.js';

/** One benchmark query with the ids of the tools that serve it. */
export interface Query {
  query: string;
  relevant: string[];
  group: string;
}

/** The mean metrics of a set of queries, as defined in the dataset README. */
export interface Metrics {
  n: number;
  r1: number;
  r5: number;
  r10: number;
  mrr: number;
}

/** Result of {@link evaluate}: overall and per-group metrics, search latency and index build time (ms). */
export interface Evaluation {
  all: Metrics;
  groups: Map<string, Metrics>;
  p50: number;
  p95: number;
  buildMs: number;
}

/** Targets the ranker must meet on the dev split. */
export const TARGETS = { r5: 0.7, mrr: 0.75 } as const;

/** The data directory: TOOL_RETRIEVAL_DIR (e.g. a held-out split), else the vendored data/tool-retrieval. */
export function dataDir(): string {
  const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
  return process.env.TOOL_RETRIEVAL_DIR ?? resolve(root, 'data/tool-retrieval');
}

function readJsonl<T>(path: string): T[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as T);
}

/** Tools and queries of the split in `dir`. */
export function loadSplit(dir = dataDir()): { tools: ToolDef[]; queries: Query[] } {
  const tools = readJsonl<ToolDef & { id?: string }>(resolve(dir, 'tools.jsonl')).map(({ id: _id, ...tool }) => tool);
  return { tools, queries: readJsonl<Query>(resolve(dir, 'queries.jsonl')) };
}

function mean(rows: readonly Metrics[]): Metrics {
  const n = rows.length || 1;
  const sum = (k: keyof Metrics): number => rows.reduce((s, r) => s + r[k], 0) / n;
  return { n: rows.length, r1: sum('r1'), r5: sum('r5'), r10: sum('r10'), mrr: sum('mrr') };
}

/** Builds an index with `options`, runs every query (top 10) and scores it; latency is measured after a warm-up. */
export function evaluate(tools: readonly ToolDef[], queries: readonly Query[], options: ToolSearchOptions = {}): Evaluation {
  const index = new ToolSearchIndex(tools, options);
  const built = performance.now();
  index.rebuild();
  const buildMs = performance.now() - built;
  for (const q of queries) index.search(q.query); // warm-up: JIT-compiles the hot paths
  const rows: (Metrics & { group: string })[] = [];
  const times: number[] = [];
  for (const q of queries) {
    const start = performance.now();
    const ranked = index.search(q.query, 10).map((h) => h.tool.name);
    times.push(performance.now() - start);
    const relevant = new Set(q.relevant);
    const recall = (k: number): number => ranked.slice(0, k).filter((id) => relevant.has(id)).length / relevant.size;
    const first = ranked.findIndex((id) => relevant.has(id));
    rows.push({ group: q.group, n: 1, r1: recall(1), r5: recall(5), r10: recall(10), mrr: first < 0 ? 0 : 1 / (first + 1) });
  }
  const groups = new Map<string, Metrics>();
  for (const g of [...new Set(rows.map((r) => r.group))].sort()) groups.set(g, mean(rows.filter((r) => r.group === g)));
  times.sort((a, b) => a - b);
  return { all: mean(rows), groups, p50: percentile(times, 50), p95: percentile(times, 95), buildMs };
}

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  return [line(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join('\n');
}

const f4 = (x: number): string => x.toFixed(4);

function main(): void {
  const dir = dataDir();
  const { tools, queries } = loadSplit(dir);
  const base = evaluate(tools, queries, { bm25: true });
  const ours = evaluate(tools, queries);
  console.log(`tool retrieval dev split: ${tools.length} tools, ${queries.length} queries (${dir})\n`);
  const overall = (name: string, e: Evaluation): string[] => [
    name,
    f4(e.all.r1),
    f4(e.all.r5),
    f4(e.all.r10),
    f4(e.all.mrr),
    e.p50.toFixed(3),
    e.p95.toFixed(3),
    e.buildMs.toFixed(0),
  ];
  console.log(
    table(
      ['ranker', 'recall@1', 'recall@5', 'recall@10', 'MRR', 'p50 ms', 'p95 ms', 'build ms'],
      [overall('BM25 (baseline)', base), overall('BM25F + extras', ours)],
    ),
  );
  console.log('');
  const groupRows = [...ours.groups].map(([g, m]) => {
    const b = base.groups.get(g)!;
    return [g, String(m.n), f4(b.r5), f4(m.r5), f4(b.r10), f4(m.r10), f4(b.mrr), f4(m.mrr)];
  });
  console.log(table(['group', 'n', 'R@5 base', 'R@5 ours', 'R@10 base', 'R@10 ours', 'MRR base', 'MRR ours'], groupRows));
  const ok = ours.all.r5 >= TARGETS.r5 && ours.all.mrr >= TARGETS.mrr;
  console.log(`\ntargets recall@5 >= ${TARGETS.r5}, MRR >= ${TARGETS.mrr}: ${ok ? 'met' : 'NOT met'}`);
  if (!ok) process.exitCode = 1;
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) main();
