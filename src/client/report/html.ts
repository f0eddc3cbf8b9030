import { PHASES, type BenchResult, type Phase } from '../bench.js';
import type { Stats } from '../stats.js';
import { escapeHtml } from '../../http/index.js';
import { histogramChart, PALETTE, phaseChart } from './svg.js';

/** What the report says about how the numbers were taken. */
export interface ReportContext {
  /** The command line that produced the results, shown so the run can be repeated. */
  command: string;
  generatedAt: Date;
  iterations: number;
}

const PHASE_TEXT: Record<Phase, string> = {
  connection: 'TCP (and TLS) handshake of a fresh connection',
  initialize: 'opening the connection: server/discover (2026-07-28), or initialize (2025-11-25; under auto after a refused server/discover)',
  list_tools: 'tools/list',
  call_tool: 'tools/call',
  total: 'connection + initialize + tools/list + tools/call',
};

const STAT_COLUMNS: (keyof Stats)[] = ['mean', 'stddev', 'median', 'p95', 'min', 'max', 'n'];

/** Two decimals, as in the terminal table and the seed's table; '-' when there is no value. */
export const ms = (value: number): string => (Number.isFinite(value) ? value.toFixed(2) : '-');

const colorOf = (index: number): string => PALETTE[index % PALETTE.length] as string;

function legend(results: BenchResult[]): string {
  return `<ul class="legend">${results
    .map(
      (r, i) =>
        `<li><span class="swatch" style="background:${colorOf(i)}"></span><b>${escapeHtml(r.target)}</b> <span class="muted">${escapeHtml(r.url)}</span></li>`,
    )
    .join('')}</ul>`;
}

function statsTable(results: BenchResult[], phase: Phase): string {
  const base = results[0]?.phases[phase].median ?? Number.NaN;
  const head = `<tr><th>target</th>${STAT_COLUMNS.map((c) => `<th>${c === 'stddev' ? '± sd' : c}</th>`).join('')}${results.length > 1 ? '<th>× first (median)</th>' : ''}</tr>`;
  const rows = results.map((r, i) => {
    const stats = r.phases[phase];
    const cells = STAT_COLUMNS.map((c) => `<td data-stat="${c}">${c === 'n' ? stats.n : ms(stats[c])}</td>`).join('');
    const ratio = results.length > 1 ? `<td data-stat="ratio">${i === 0 ? '1.00' : (stats.median / base).toFixed(2)}</td>` : '';
    return `<tr data-target="${i}"><td><span class="swatch" style="background:${colorOf(i)}"></span>${escapeHtml(r.target)}</td>${cells}${ratio}</tr>`;
  });
  return `<table data-phase="${phase}">${head}${rows.join('')}</table>`;
}

function phaseSection(results: BenchResult[], phase: Phase): string {
  const title = phase === 'call_tool' ? `call_tool${results[0]?.tool ? ` (${results[0].tool})` : ''}` : phase;
  const chart = phaseChart(
    `${phase} latency per iteration (ms)`,
    results.map((r, i) => ({ label: r.target, color: colorOf(i), values: r.samples[phase] })),
  );
  const empty = results.every((r) => r.samples[phase].length === 0)
    ? '<p class="muted">not timed: no tool was named with --tool and none is read-only without arguments</p>'
    : '';
  return `<figure class="chart" data-phase="${phase}"><figcaption><h2>${escapeHtml(title)}</h2><span class="muted">${PHASE_TEXT[phase]}</span></figcaption>${empty || chart}${statsTable(results, phase)}</figure>`;
}

function loadSection(results: BenchResult[]): string {
  const loaded = results.filter((r) => r.load);
  if (loaded.length === 0) return '';
  const chart = histogramChart(
    'load phase latency distribution',
    results.flatMap((r, i) => (r.load ? [{ label: r.target, color: colorOf(i), bins: r.load.histogram }] : [])),
  );
  const rows = results.map((r, i) => {
    const load = r.load;
    if (!load) return '';
    return (
      `<tr data-target="${i}"><td><span class="swatch" style="background:${colorOf(i)}"></span>${escapeHtml(r.target)}</td><td>${escapeHtml(load.operation)}</td><td data-stat="concurrency">${load.concurrency}</td>` +
      `<td data-stat="calls">${load.calls}</td><td data-stat="callsPerSecond">${load.callsPerSecond.toFixed(1)}</td><td data-stat="p50">${ms(load.latency.median)}</td>` +
      `<td data-stat="p99">${ms(load.latency.p99)}</td><td data-stat="errors">${load.errors}</td></tr>`
    );
  });
  const first = loaded.find((r) => r.load?.firstError)?.load?.firstError;
  return (
    `<figure class="chart" data-phase="load"><figcaption><h2>load</h2><span class="muted">concurrent clients on pooled sessions, calls back to back</span></figcaption>${chart}` +
    `<table data-phase="load"><tr><th>target</th><th>operation</th><th>clients</th><th>calls</th><th>calls/s</th><th>p50</th><th>p99</th><th>errors</th></tr>${rows.join('')}</table>` +
    (first ? `<p class="error">first error: ${escapeHtml(first)}</p>` : '') +
    `</figure>`
  );
}

const STYLE = `
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;color:#1d2330;background:#f6f7f9;margin:0}
main{max-width:820px;margin:0 auto;padding:24px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:0 8px 0 0;display:inline}
code{background:#e9ecf1;padding:2px 6px;border-radius:4px;font-size:13px;word-break:break-all}
.muted{color:#5b6475;font-size:13px}.error{color:#b3261e;font-size:13px}
.legend{list-style:none;padding:0;margin:12px 0}.legend li{margin:2px 0}
.swatch{display:inline-block;width:11px;height:11px;border-radius:2px;margin-right:6px;vertical-align:-1px}
.chart{background:#fff;border:1px solid #dde1e8;border-radius:8px;margin:18px 0;padding:14px 16px}
figcaption{margin-bottom:8px}svg{max-width:100%;height:auto;display:block}
svg .grid{stroke:#e4e7ec;stroke-width:1}svg .tick,svg .label{font-size:11px;fill:#5b6475}
.caption{margin:2px 0 6px;color:#5b6475;font-size:12px}
table{border-collapse:collapse;width:100%;font-size:13px;margin-top:8px;font-variant-numeric:tabular-nums}
th,td{padding:4px 8px;text-align:right;border-bottom:1px solid #eef0f3}th:first-child,td:first-child{text-align:left}
th{color:#5b6475;font-weight:600}
`;

/** A self-contained HTML page: one inline SVG chart per phase (and the load phase), the numbers beside it, the raw JSON inside. */
export function renderBenchHtml(results: BenchResult[], context: ReportContext): string {
  const failures = results
    .filter((r) => r.errors.length)
    .map((r) => `<p class="error">${escapeHtml(r.target)}: ${r.errors.length} failed iteration(s); first: ${escapeHtml(r.errors[0] ?? '')}</p>`);
  // "<" is escaped inside the JSON so a value can never close the script element.
  const data = JSON.stringify(results).replace(/</g, '\\u003c');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>toolport bench — ${escapeHtml(results.map((r) => r.target).join(' vs '))}</title><style>${STYLE}</style></head>
<body><main>
<h1>MCP latency: ${escapeHtml(results.map((r) => r.target).join(' vs '))}</h1>
<p class="muted">${context.iterations} iteration(s) per target, each on a fresh connection${results.length > 1 ? ', targets interleaved' : ''}; all times in ms. ${escapeHtml(context.generatedAt.toISOString())}</p>
<p><code>${escapeHtml(context.command)}</code></p>
${legend(results)}${failures.join('')}
${PHASES.map((phase) => phaseSection(results, phase)).join('\n')}
${loadSection(results)}
<script type="application/json" id="bench-data">${data}</script>
</main></body></html>
`;
}
