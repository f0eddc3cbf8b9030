// `npm run compare`: seed 004's experiment on this machine. The same greet_user tool behind a runtime (a worker
// process per session, like AgentCore Runtime) and behind a gateway with a function target (like AgentCore Gateway +
// Lambda), both JWT-protected by the platform's own Identity (examples/compare/toolport.yaml). 50 iterations,
// interleaved runtime/gateway, each a fresh connection: initialize, list_tools, call_tool, timed as the seed did.
// Prints our table next to the seed's published one and writes both, with a chart, to docs/benchmarks.md.
// COMPARE_ITERATIONS=N changes the count.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runBench, type BenchResult, type Phase } from '../src/client/index.js';
import { niceTicks } from '../src/client/report/svg.js';
import { escapeHtml, gatewayUrl, runtimeUrl } from '../src/http/index.js';
import { createLogger } from '../src/log/index.js';
import { startPlatform } from '../src/server/index.js';
import { int, loadAverage, machine, mdTable, ROOT, textTable, writeDoc } from './lib.js';

const ITERATIONS = int('COMPARE_ITERATIONS', 50);
const CONFIG = join(ROOT, 'examples/compare/toolport.yaml');
const CHART = join(ROOT, 'docs/compare.svg');
const MARKERS = { start: '<!-- compare:start -->', end: '<!-- compare:end -->' };

/** Seed 004's published table (AgentCore in us-west-2, 50 trials, mean ± stddev in ms). */
const SEED: Record<Exclude<Phase, 'connection'>, { runtime: [number, number]; gateway: [number, number] }> = {
  initialize: { runtime: [1111.33, 87.22], gateway: [568.73, 16.72] },
  list_tools: { runtime: [1659.05, 79.43], gateway: [804.42, 20.73] },
  call_tool: { runtime: [824.0, 43.84], gateway: [338.32, 14.08] },
  total: { runtime: [3602.22, 124.86], gateway: [1719.21, 30.33] },
};
const ROWS = Object.keys(SEED) as (keyof typeof SEED)[];
const LABEL: Record<keyof typeof SEED, string> = {
  initialize: 'initialize',
  list_tools: 'list_tools',
  call_tool: 'call_tools',
  total: 'total (connect → call)',
};

const meanSd = ([mean, sd]: [number, number]): string => `${mean.toFixed(2)} ± ${sd.toFixed(2)}`;
const ours = (result: BenchResult, phase: Phase): [number, number] => [result.phases[phase].mean, result.phases[phase].stddev];

/** Grouped bars on a log axis: the seed's cloud latencies and ours on loopback differ by orders of magnitude. */
function chart(runtime: BenchResult, gateway: BenchResult): string {
  const bars = [
    { label: 'AgentCore Runtime (seed)', color: '#D55E00', value: (p: keyof typeof SEED) => SEED[p].runtime[0] },
    { label: 'AgentCore Gateway + Lambda (seed)', color: '#E69F00', value: (p: keyof typeof SEED) => SEED[p].gateway[0] },
    { label: 'Toolport runtime', color: '#0072B2', value: (p: keyof typeof SEED) => runtime.phases[p].mean },
    { label: 'Toolport gateway + function', color: '#009E73', value: (p: keyof typeof SEED) => gateway.phases[p].mean },
  ];
  const [width, height, left, top, bottom] = [760, 300, 60, 40, 40];
  const values = ROWS.flatMap((p) => bars.map((b) => b.value(p))).filter((v) => v > 0);
  const lo = Math.floor(Math.log10(Math.min(...values)));
  const hi = Math.ceil(Math.log10(Math.max(...values)));
  const y = (v: number): number => top + (height - top - bottom) * (1 - (Math.log10(Math.max(v, 10 ** lo)) - lo) / (hi - lo));
  const group = (width - left - 16) / ROWS.length;
  const barWidth = (group - 24) / bars.length;
  const grid = niceTicks(hi - lo, hi - lo)
    .map((step) => 10 ** (lo + step))
    .map(
      (tick) =>
        `<line x1="${left}" x2="${width - 16}" y1="${y(tick).toFixed(1)}" y2="${y(tick).toFixed(1)}" stroke="#ddd"/><text x="${left - 6}" y="${(y(tick) + 4).toFixed(1)}" text-anchor="end" font-size="11">${tick >= 1 ? tick : tick.toPrecision(1)} ms</text>`,
    )
    .join('');
  const rects = ROWS.map(
    (phase, g) =>
      bars
        .map((bar, i) => {
          const x = left + g * group + 12 + i * barWidth;
          const v = bar.value(phase);
          return `<rect x="${x.toFixed(1)}" y="${y(v).toFixed(1)}" width="${(barWidth - 2).toFixed(1)}" height="${(height - bottom - y(v)).toFixed(1)}" fill="${bar.color}"><title>${escapeHtml(`${bar.label}, ${LABEL[phase]}: ${v.toFixed(2)} ms`)}</title></rect>`;
        })
        .join('') +
      `<text x="${(left + g * group + group / 2).toFixed(1)}" y="${height - bottom + 16}" text-anchor="middle" font-size="12">${escapeHtml(LABEL[phase])}</text>`,
  ).join('');
  // Legend entries laid out by label length (about 6.5 px a character at 11 px).
  const offsets = bars.map((_, i) => bars.slice(0, i).reduce((x, bar) => x + bar.label.length * 6.5 + 34, left));
  const legend = bars
    .map(
      (bar, i) =>
        `<rect x="${offsets[i]}" y="8" width="10" height="10" fill="${bar.color}"/><text x="${(offsets[i] ?? 0) + 14}" y="17" font-size="11">${escapeHtml(bar.label)}</text>`,
    )
    .join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif"><title>Seed 004 experiment: mean latency per phase (log scale)</title>${legend}${grid}${rects}</svg>\n`;
}

const dataDir = await mkdtemp(join(tmpdir(), 'toolport-compare-'));
const platform = await startPlatform({ config: CONFIG, dataDir, port: 0, logger: createLogger('warn') });
let results: BenchResult[];
try {
  const auth = {
    mode: 'm2m' as const,
    clientId: 'seed004-m2m',
    clientSecret: 'seed004-m2m-secret',
    scope: 'gateway/invoke',
    tokenUrl: `${platform.url}/identity/token`,
    cache: false as const,
  };
  process.stderr.write(`seed 004 on this machine: ${ITERATIONS} interleaved iterations (load ${loadAverage()})\n`);
  results = await runBench({
    targets: [
      { target: runtimeUrl(platform.url, 'seed004'), auth },
      { target: gatewayUrl(platform.url, 'seed004'), auth },
    ],
    iterations: ITERATIONS,
    tool: 'greet_user',
    args: { name: 'Bench' },
  });
} finally {
  await platform.close();
  await rm(dataDir, { recursive: true, force: true });
}
const [runtime, gateway] = results as [BenchResult, BenchResult];
for (const result of results) if (result.errors.length) throw new Error(`${result.target}: ${result.errors.slice(0, 3).join('; ')}`);

const head = [
  'phase (mean ± sd, ms)',
  'AgentCore Runtime',
  'AgentCore Gateway + Lambda',
  'seed ratio',
  'Toolport runtime',
  'Toolport gateway',
  'Toolport ratio',
];
const rows = ROWS.map((phase) => [
  LABEL[phase],
  meanSd(SEED[phase].runtime),
  meanSd(SEED[phase].gateway),
  `${(SEED[phase].runtime[0] / SEED[phase].gateway[0]).toFixed(2)}×`,
  meanSd(ours(runtime, phase)),
  meanSd(ours(gateway, phase)),
  `${(runtime.phases[phase].mean / gateway.phases[phase].mean).toFixed(2)}×`,
]);
process.stdout.write(`${textTable(head, rows)}\n`);

const host = machine();
await writeFile(CHART, chart(runtime, gateway));
await writeDoc(
  [
    MARKERS.start,
    '## Seed 004 reproduced: runtime vs gateway + function (`npm run compare`)',
    '',
    `The seed's experiment on this machine: the same \`greet_user\` tool behind a runtime (its own worker processes)`,
    'and behind a gateway whose function target runs the tool written once with `defineTool`, both JWT-protected by',
    `Toolport's Identity (\`examples/compare/toolport.yaml\`). ${ITERATIONS} iterations, runtime and gateway interleaved, each a fresh`,
    'connection then initialize, list_tools and call_tool; "total" runs from opening the connection to the call\'s answer.',
    "The seed's columns are its published AgentCore figures (us-west-2 over the internet); ours run on loopback, so compare",
    'the ratios, not the absolute times.',
    '',
    mdTable(head, rows),
    '',
    '![Mean latency per phase, log scale](compare.svg)',
    '',
    `Machine: ${host.cpus} cores (${host.model}), load average ${host.load} at start, ${loadAverage()} at end. Command: \`npm run compare\`.`,
    MARKERS.end,
  ].join('\n'),
  MARKERS,
);
process.stdout.write(`written to docs/benchmarks.md and docs/compare.svg\n`);
