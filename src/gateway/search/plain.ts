// The reference baseline of the dataset README: plain BM25 (k1 1.2, b 0.75) over name + description as a single
// field, lower-cased alphanumeric tokens, no stemming, stop words or extras. Kept so every run shows the gain.
import { Bm25fIndex } from './bm25f.js';
import type { Ranked, Ranker } from './ranker.js';
import { tokenize } from './tokenize.js';
import { topK } from './topk.js';
import type { ToolDef } from './types.js';

const RAW = { stopWords: false, stem: false, split: false } as const;

/** Plain single-field BM25 over `name + description`. */
export class PlainBm25Ranker implements Ranker {
  private readonly index: Bm25fIndex;

  constructor(tools: readonly ToolDef[]) {
    const docs = tools.map((t) => ({ fields: [tokenize(`${t.name} ${t.description ?? ''}`, RAW)] }));
    this.index = new Bm25fIndex(docs, { k1: 1.2, weights: [1], b: [0.75] });
  }

  /** Best-first documents by BM25 (query words counted with repetition, as in classic BM25 with k3 → ∞). */
  rank(query: string, limit: number): Ranked[] {
    const q = new Map<string, number>();
    for (const t of tokenize(query, RAW)) q.set(t, (q.get(t) ?? 0) + 1);
    if (q.size === 0 || limit <= 0) return [];
    const scores = new Float64Array(this.index.size);
    this.index.accumulate(q, scores);
    return topK(scores, limit).map((doc) => ({ doc, score: scores[doc]! }));
  }
}
