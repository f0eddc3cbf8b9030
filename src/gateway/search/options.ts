// The ranker's knobs in one place, with the values chosen on the dev split and the reason each one exists.
import type { Field } from './fields.js';

/** Ranking parameters of the field ranker; every one has a default in {@link DEFAULT_RANKING}. */
export interface RankingOptions {
  /** BM25 term-frequency saturation. */
  k1: number;
  /** BM25F weight per field: how many plain occurrences one occurrence in that field is worth. */
  weights: Record<Field, number>;
  /** BM25F length normalisation per field, 0 (none) to 1 (full). */
  b: Record<Field, number>;
  /** Query weight of an adjacent word pair ("list domain") relative to one word; 0 turns phrases off. */
  phrase: number;
  /** Sublinear weight of repeated query words: a word said n times weighs 1 + qtf·ln n; 0 counts each once. */
  qtf: number;
  /** Share of the family (same-service) aggregate score added to each member; 0 turns family boosting off. */
  family: number;
  /** How many of a family's best member scores make up its aggregate. */
  familyTop: number;
  /** How much an already-explained query word is discounted for later picks (0 = plain ranking, 1 = fully). */
  coverage: number;
  /** How many top candidates the coverage re-ranking chooses from. */
  pool: number;
  /** Split run-together identifier words ("getfileversions") against the tools' own vocabulary. */
  segment: boolean;
}

/** Deep-partial overrides of {@link RankingOptions}. */
export type RankingOverrides = Partial<Omit<RankingOptions, 'weights' | 'b'>> & {
  weights?: Partial<Record<Field, number>>;
  b?: Partial<Record<Field, number>>;
};

/**
 * Defaults, set on the ToolBench-derived dev split (docs/search.md). The field weights are round numbers on a broad
 * plateau (±50% on any one moves recall@5 by about a point), so they are not fitted to individual queries.
 */
export const DEFAULT_RANKING: RankingOptions = {
  k1: 1.2,
  // The name says what the tool does; the service name is how requests usually refer to it; the category and the
  // schema only corroborate, and parameter prose is long and generic, so it weighs least.
  weights: { name: 3, service: 2, category: 0.5, description: 1, params: 0.5, paramDocs: 0.2 },
  // Categories are a few fixed words, so their length says nothing; descriptions vary from 3 words to pages.
  b: { name: 0.5, service: 0.5, category: 0, description: 0.75, params: 0.5, paramDocs: 0.75 },
  phrase: 0.5,
  qtf: 1,
  family: 0.2,
  familyTop: 2,
  coverage: 0.3,
  pool: 30,
  segment: true,
};

/** {@link DEFAULT_RANKING} with `overrides` applied (field maps merged key by key). */
export function resolveRanking(overrides: RankingOverrides = {}): RankingOptions {
  return {
    ...DEFAULT_RANKING,
    ...overrides,
    weights: { ...DEFAULT_RANKING.weights, ...overrides.weights },
    b: { ...DEFAULT_RANKING.b, ...overrides.b },
  };
}
