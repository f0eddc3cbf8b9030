// The Porter stemmer (M. F. Porter, "An algorithm for suffix stripping", 1980), from the `stemmer` package.
// Stemming lets "booking", "booked" and "books" meet "book" without a synonym list that would need upkeep.
import { stemmer } from 'stemmer';

const cache = new Map<string, string>();

/** Porter stem of a lower-case word; words of two letters or fewer and non-alphabetic tokens are kept as they are. */
export function stem(word: string): string {
  if (word.length <= 2 || !/^[a-z]+$/.test(word)) return word;
  const hit = cache.get(word);
  if (hit !== undefined) return hit;
  const w = stemmer(word);
  // Bounded so a long-running gateway fed arbitrary queries does not grow the cache without limit.
  if (cache.size < 50_000) cache.set(word, w);
  return w;
}
