// Partial selection: only the best few of thousands of scores are ever needed, so a full sort would be waste.

/** Indices of the `k` highest positive scores, best first; ties keep index order so results are deterministic. */
export function topK(scores: ArrayLike<number>, k: number): number[] {
  const best: number[] = [];
  if (k <= 0) return best;
  for (let i = 0; i < scores.length; i++) {
    const s = scores[i]!;
    if (s <= 0) continue;
    if (best.length < k) best.push(i);
    else if (s > scores[best[k - 1]!]!) best[k - 1] = i;
    else continue;
    // Insertion step keeps `best` sorted best-first; k is small (tens), so this beats a heap.
    for (let j = best.length - 1; j > 0 && scores[best[j]!]! > scores[best[j - 1]!]!; j--) {
      [best[j], best[j - 1]] = [best[j - 1]!, best[j]!];
    }
  }
  return best;
}
