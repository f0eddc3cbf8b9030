// The ranking pipeline: BM25F over the tool fields (with word-pair phrases), plus service-family boosting, then a
// greedy re-ranking that favours tools explaining parts of the request not yet explained.
import { Bm25fIndex, type Bm25fDoc } from './bm25f.js';
import { coverageRerank } from './coverage.js';
import { familyBoost, familyIds } from './family.js';
import { FIELDS, toolFields, type Field } from './fields.js';
import type { RankingOptions } from './options.js';
import { Segmenter } from './segment.js';
import { bigrams, terms, tokenize } from './tokenize.js';
import { topK } from './topk.js';
import type { ToolDef } from './types.js';

/** A ranked document: its position in the tool list the ranker was built from, and its score. */
export interface Ranked {
  doc: number;
  score: number;
}

/** Something that ranks a fixed tool list for a query; built once per tool-set version. */
export interface Ranker {
  /** At most `limit` documents for `query`, best first. */
  rank(query: string, limit: number): Ranked[];
}

// Identifier-like fields (often run together) are split against the vocabulary of the prose fields.
const IDENTIFIER_FIELDS: ReadonlySet<Field> = new Set(['name', 'service', 'params']);

/** The full ranker (BM25F fields, phrases, stemming, segmentation, family boost, coverage re-ranking). */
export class FieldRanker implements Ranker {
  private readonly index: Bm25fIndex;
  private readonly families: Int32Array;
  private readonly familyCount: number;

  constructor(
    tools: readonly ToolDef[],
    private readonly options: RankingOptions,
  ) {
    const fields = tools.map(toolFields);
    let segmenter: Segmenter | undefined;
    if (options.segment) {
      segmenter = new Segmenter();
      for (const f of fields) {
        segmenter.learn(`${f.description} ${f.paramDocs} ${f.category}`);
        segmenter.learnIdentifiers(`${f.name} ${f.params}`);
      }
    }
    const segment = segmenter && ((w: string): string[] | undefined => segmenter.split(w));
    const docs = fields.map((texts): Bm25fDoc => {
      const perField: string[][] = [];
      const lengths: number[] = [];
      for (const f of FIELDS) {
        const tokens = tokenize(texts[f], IDENTIFIER_FIELDS.has(f) ? { segment } : {});
        const words = terms(tokens);
        perField.push(options.phrase > 0 ? [...words, ...bigrams(tokens)] : words);
        // Length counts words only, so adding phrase terms does not make a field look longer.
        lengths.push(words.length);
      }
      return { fields: perField, lengths };
    });
    this.index = new Bm25fIndex(docs, {
      k1: options.k1,
      weights: FIELDS.map((f) => options.weights[f]),
      b: FIELDS.map((f) => options.b[f]),
    });
    const { ids, count } = familyIds(fields.map((f) => f.family));
    this.families = ids;
    this.familyCount = count;
  }

  /** Best-first documents for `query`; scores are BM25F plus family boost (marginal scores after re-ranking). */
  rank(query: string, limit: number): Ranked[] {
    const q = this.queryTerms(query);
    if (q.size === 0 || limit <= 0) return [];
    const { family, familyTop, coverage, pool } = this.options;
    const scores = new Float64Array(this.index.size);
    this.index.accumulate(q, scores);
    const boost = family > 0 ? familyBoost(scores, this.families, this.familyCount, family, familyTop) : undefined;
    // Only tools that match the query themselves are eligible: the boost reorders them, it never adds a tool.
    if (boost) for (let i = 0; i < scores.length; i++) if (scores[i]! > 0) scores[i]! += boost[i]!;
    if (coverage <= 0) return topK(scores, limit).map((doc) => ({ doc, score: scores[doc]! }));
    const candidates = topK(scores, Math.max(limit, pool));
    const head = candidates.slice(0, pool);
    const ranked = coverageRerank({
      index: this.index,
      query: q,
      candidates: head,
      fixed: head.map((doc) => boost?.[doc] ?? 0),
      discount: coverage,
      limit: Math.min(limit, pool),
      size: this.index.size,
    });
    // Beyond the pool (only for unusually large limits) the order is by score: re-ranking is quadratic in the pool.
    // Scores are capped so they never increase down the list.
    let floor = ranked.at(-1)?.score ?? Infinity;
    for (const doc of candidates.slice(pool, limit)) ranked.push({ doc, score: (floor = Math.min(floor, scores[doc]!)) });
    return ranked;
  }

  /**
   * Query term → weight. Queries are not segmented: they are prose, where splitting rare words ("transport") does
   * more harm than good, and CamelCase identifiers in a request are split by the tokenizer anyway.
   */
  private queryTerms(query: string): Map<string, number> {
    const tokens = tokenize(query);
    const counts = new Map<string, number>();
    for (const t of terms(tokens)) counts.set(t, (counts.get(t) ?? 0) + 1);
    const out = new Map<string, number>();
    // Sublinear: a long request that names its subject three times is about it, but not three times as much.
    for (const [t, n] of counts) out.set(t, 1 + this.options.qtf * Math.log(n));
    if (this.options.phrase > 0) for (const pair of bigrams(tokens)) out.set(pair, this.options.phrase);
    return out;
  }
}
