// Greedy re-ranking for requests with several parts ("get the forecast ... and also convert the currency ...").
// Plain relevance ranks every tool on its own, so the five best can all serve the same part of the request while
// the tool for the other part sits at rank 12. Here each pick discounts the query words it already explains, so the
// next pick is the tool that adds the most *unexplained* evidence: the aspect-coverage idea of xQuAD/MMR (Santos et
// al. 2010; Carbonell & Goldstein 1998) with the query's own words as the aspects, needing no topic model.
import type { Bm25fIndex } from './bm25f.js';

/** Inputs of {@link coverageRerank}. */
export interface CoverageInput {
  index: Bm25fIndex;
  /** Query term → boost, as given to {@link Bm25fIndex.accumulate}. */
  query: ReadonlyMap<string, number>;
  /** Candidate document ids, best first by their independent scores. */
  candidates: readonly number[];
  /** Score each candidate keeps whatever was picked before (e.g. its family boost), by candidate position. */
  fixed: readonly number[];
  /** 0 = no re-ranking; 1 = an already explained word counts nothing the second time. */
  discount: number;
  /** How many to pick. */
  limit: number;
  /** Total number of documents (for the slot map). */
  size: number;
}

/** The candidates re-ordered by greedy coverage, with their marginal scores at the time each was picked. */
export function coverageRerank(input: CoverageInput): { doc: number; score: number }[] {
  const { index, candidates, fixed, discount, limit } = input;
  const terms = [...input.query.keys()];
  const weights = terms.map((t) => (input.query.get(t) ?? 0) * index.idf(t));
  const slotOf = new Int32Array(input.size).fill(-1);
  candidates.forEach((doc, slot) => (slotOf[doc] = slot));
  const m = index.termMatrix(terms, slotOf, candidates.length);
  const covered = new Float64Array(terms.length);
  const taken = new Uint8Array(candidates.length);
  const out: { doc: number; score: number }[] = [];
  while (out.length < Math.min(limit, candidates.length)) {
    let best = -1;
    let bestScore = -Infinity;
    for (let c = 0; c < candidates.length; c++) {
      if (taken[c]) continue;
      let s = fixed[c] ?? 0;
      for (let t = 0; t < terms.length; t++) {
        const w = m[c * terms.length + t]!;
        if (w > 0) s += weights[t]! * w * (1 - discount * covered[t]!);
      }
      if (s > bestScore) [best, bestScore] = [c, s];
    }
    taken[best] = 1;
    out.push({ doc: candidates[best]!, score: bestScore });
    for (let t = 0; t < terms.length; t++) covered[t] = Math.max(covered[t]!, m[best * terms.length + t]!);
  }
  return out;
}
