/** Inline SVG charts for the bench report: no scripts, no external assets, readable without a legend lookup. */
import { escapeHtml } from '../../http/index.js';

/** One target's series in a chart. */
export interface Series {
  label: string;
  color: string;
  /** Per-iteration values (ms), in order. */
  values: number[];
}

/** Okabe–Ito colours: distinguishable with the common colour-vision deficiencies. */
export const PALETTE = ['#0072B2', '#E69F00', '#009E73', '#CC79A7', '#56B4E9', '#D55E00', '#F0E442', '#000000'];

const WIDTH = 760;
const HEIGHT = 260;
const TOP = 16;
const BOTTOM = 36;
const LEFT = 56;
const LINES_RIGHT = 500;
const BOXES_LEFT = 540;
const RIGHT = WIDTH - 16;

const fmt = (value: number): string => (value >= 100 ? value.toFixed(0) : value >= 10 ? value.toFixed(1) : value.toFixed(2));

/** About `count` round tick values covering [0, max] (1, 2 or 5 × 10^k steps). */
export function niceTicks(max: number, count = 5): number[] {
  if (!(max > 0)) return [0];
  const raw = max / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = ([1, 2, 5, 10].find((m) => m * power >= raw) ?? 10) * power;
  return Array.from({ length: Math.ceil(max / step - 1e-9) + 1 }, (_, i) => Number((i * step).toPrecision(12)));
}

/** Value at quantile q (0..1) of sorted values, linear between ranks (for box edges). */
function quantile(sorted: number[], q: number): number {
  const at = (sorted.length - 1) * q;
  const low = Math.floor(at);
  const high = Math.ceil(at);
  return (sorted[low] as number) + ((sorted[high] as number) - (sorted[low] as number)) * (at - low);
}

/** Horizontal grid lines and y labels in ms. */
function yAxis(ticks: number[], y: (v: number) => number, from: number, to: number): string {
  return ticks
    .map(
      (tick) =>
        `<line x1="${from}" x2="${to}" y1="${y(tick).toFixed(1)}" y2="${y(tick).toFixed(1)}" class="grid"/><text x="${from - 6}" y="${(y(tick) + 4).toFixed(1)}" class="tick" text-anchor="end">${tick}</text>`,
    )
    .join('');
}

/**
 * A phase's chart: on the left each target's per-iteration times as a line (warm-up, drift and spikes show), on the
 * right a box per target (interquartile box, median line, whiskers min–max, mean dot). The y axis is shared and stops
 * a little above the largest p95 so one cold start does not flatten the rest; points above are pinned to the top
 * edge as triangles and counted in the caption.
 */
export function phaseChart(title: string, series: Series[]): string {
  const all = series.flatMap((s) => s.values);
  const p95s = series
    .map((s) =>
      quantile(
        [...s.values].sort((a, b) => a - b),
        0.95,
      ),
    )
    .filter(Number.isFinite);
  const ceiling = Math.max(...all, 0) <= Math.max(...p95s, 0) * 1.6 ? Math.max(...all, 0) : Math.max(...p95s, 0) * 1.25;
  const ticks = niceTicks(ceiling || 1);
  const top = ticks[ticks.length - 1] as number;
  const y = (v: number): number => HEIGHT - BOTTOM - (Math.min(v, top) / top) * (HEIGHT - BOTTOM - TOP);
  const longest = Math.max(...series.map((s) => s.values.length), 1);
  const x = (i: number): number => LEFT + (longest === 1 ? 0 : (i / (longest - 1)) * (LINES_RIGHT - LEFT));
  const clipped = all.filter((v) => v > top).length;
  const parts: string[] = [yAxis(ticks, y, LEFT, LINES_RIGHT), yAxis(ticks, y, BOXES_LEFT, RIGHT).replace(/<text[^>]*>[^<]*<\/text>/g, '')];
  for (const s of series) {
    const points = s.values.map((v, i) => `${x(i).toFixed(1)},${y(v).toFixed(1)}`).join(' ');
    parts.push(
      `<polyline points="${points}" fill="none" stroke="${s.color}" stroke-width="1.6" stroke-linejoin="round"><title>${escapeHtml(s.label)}</title></polyline>`,
    );
    for (const [i, v] of s.values.entries()) {
      if (v > top)
        parts.push(
          `<path d="M${(x(i) - 4).toFixed(1)},${(TOP + 6).toFixed(1)} L${(x(i) + 4).toFixed(1)},${(TOP + 6).toFixed(1)} L${x(i).toFixed(1)},${TOP - 1} Z" fill="${s.color}"><title>${escapeHtml(s.label)} iteration ${i + 1}: ${fmt(v)} ms</title></path>`,
        );
    }
  }
  const slot = (RIGHT - BOXES_LEFT) / Math.max(series.length, 1);
  for (const [index, s] of series.entries()) {
    if (s.values.length === 0) continue;
    const sorted = [...s.values].sort((a, b) => a - b);
    const [min, q1, median, q3, max] = [0, 0.25, 0.5, 0.75, 1].map((q) => quantile(sorted, q)) as [number, number, number, number, number];
    const mean = sorted.reduce((sum, v) => sum + v, 0) / sorted.length;
    const cx = BOXES_LEFT + slot * (index + 0.5);
    const half = Math.min(22, slot * 0.3);
    parts.push(
      `<g><title>${escapeHtml(s.label)}: min ${fmt(min)}, q1 ${fmt(q1)}, median ${fmt(median)}, q3 ${fmt(q3)}, max ${fmt(max)}, mean ${fmt(mean)} ms</title>` +
        `<line x1="${cx}" x2="${cx}" y1="${y(max).toFixed(1)}" y2="${y(min).toFixed(1)}" stroke="${s.color}"/>` +
        `<rect x="${cx - half}" y="${y(q3).toFixed(1)}" width="${half * 2}" height="${Math.max(1, y(q1) - y(q3)).toFixed(1)}" fill="${s.color}" fill-opacity="0.25" stroke="${s.color}"/>` +
        `<line x1="${cx - half}" x2="${cx + half}" y1="${y(median).toFixed(1)}" y2="${y(median).toFixed(1)}" stroke="${s.color}" stroke-width="2.5"/>` +
        `<circle cx="${cx}" cy="${y(mean).toFixed(1)}" r="3" fill="#fff" stroke="${s.color}" stroke-width="1.5"/></g>`,
    );
  }
  parts.push(
    `<text x="${(LEFT + LINES_RIGHT) / 2}" y="${HEIGHT - 6}" class="label" text-anchor="middle">iteration (1–${longest})</text>`,
    `<text x="${(BOXES_LEFT + RIGHT) / 2}" y="${HEIGHT - 6}" class="label" text-anchor="middle">distribution</text>`,
    `<text x="14" y="${(HEIGHT - BOTTOM + TOP) / 2}" class="label" text-anchor="middle" transform="rotate(-90 14 ${(HEIGHT - BOTTOM + TOP) / 2})">ms</text>`,
  );
  const caption = clipped ? `${clipped} point(s) above ${fmt(top)} ms shown as triangles at the top edge` : '';
  return svg(title, parts, caption);
}

/** The load phase: each target's latency histogram (log-spaced bins) as a step outline. */
export function histogramChart(title: string, series: { label: string; color: string; bins: { fromMs: number; toMs: number; count: number }[] }[]): string {
  const bins = series.flatMap((s) => s.bins);
  const low = Math.max(Math.min(...bins.map((b) => b.fromMs)), 1e-3);
  const high = Math.max(...bins.map((b) => b.toMs), low * 1.01);
  const peak = Math.max(...bins.map((b) => b.count), 1);
  const ticks = niceTicks(peak, 4);
  const top = ticks[ticks.length - 1] as number;
  const x = (ms: number): number => LEFT + (Math.log(Math.max(ms, low) / low) / Math.log(high / low)) * (RIGHT - LEFT);
  const y = (count: number): number => HEIGHT - BOTTOM - (count / top) * (HEIGHT - BOTTOM - TOP);
  const parts: string[] = [yAxis(ticks, y, LEFT, RIGHT)];
  const decades = [0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10_000, 20_000, 50_000].filter(
    (ms) => ms >= low && ms <= high,
  );
  for (const ms of decades) parts.push(`<text x="${x(ms).toFixed(1)}" y="${HEIGHT - BOTTOM + 16}" class="tick" text-anchor="middle">${ms}</text>`);
  for (const s of series) {
    const outline = s.bins.map((b) => `L${x(b.fromMs).toFixed(1)},${y(b.count).toFixed(1)} L${x(b.toMs).toFixed(1)},${y(b.count).toFixed(1)}`).join(' ');
    const first = s.bins[0];
    const last = s.bins[s.bins.length - 1];
    if (!first || !last) continue;
    parts.push(
      `<path d="M${x(first.fromMs).toFixed(1)},${y(0).toFixed(1)} ${outline} L${x(last.toMs).toFixed(1)},${y(0).toFixed(1)} Z" fill="${s.color}" fill-opacity="0.18" stroke="${s.color}" stroke-width="1.5"><title>${escapeHtml(s.label)}</title></path>`,
    );
  }
  parts.push(
    `<text x="${(LEFT + RIGHT) / 2}" y="${HEIGHT - 6}" class="label" text-anchor="middle">latency per call (ms, log scale)</text>`,
    `<text x="14" y="${(HEIGHT - BOTTOM + TOP) / 2}" class="label" text-anchor="middle" transform="rotate(-90 14 ${(HEIGHT - BOTTOM + TOP) / 2})">calls</text>`,
  );
  return svg(title, parts, '');
}

function svg(title: string, parts: string[], caption: string): string {
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${WIDTH} ${HEIGHT}" width="${WIDTH}" height="${HEIGHT}" role="img" aria-label="${escapeHtml(title)}">` +
    `<title>${escapeHtml(title)}</title>${parts.join('')}</svg>` +
    (caption ? `<p class="caption">${escapeHtml(caption)}</p>` : '')
  );
}
