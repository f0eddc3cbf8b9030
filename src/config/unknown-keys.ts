import type { z } from 'zod';

/** Levenshtein distance, case-insensitive: `warmpool` is a typo of `warmPool`, not a new key. */
function distance(a: string, b: string): number {
  const left = a.toLowerCase();
  const right = b.toLowerCase();
  let previous = Array.from({ length: right.length + 1 }, (_, index) => index);
  for (let i = 1; i <= left.length; i++) {
    const current = [i];
    for (let j = 1; j <= right.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (left[i - 1] === right[j - 1] ? 0 : 1);
      current.push(Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution));
    }
    previous = current;
  }
  return previous[right.length] ?? 0;
}

/** The known key closest to `key`, when it is close enough to be a typo of it. */
export function nearestKey(key: string, known: readonly string[]): string | undefined {
  let best: { name: string; cost: number } | undefined;
  for (const name of known) {
    const cost = distance(key, name);
    if (!best || cost < best.cost) best = { name, cost };
  }
  return best && best.cost <= Math.max(2, Math.floor(key.length / 3)) ? best.name : undefined;
}

function describeUnknown(keys: readonly string[], known: readonly string[]): string {
  const named = keys.map((key) => {
    const nearest = nearestKey(key, known);
    return nearest ? `"${key}" (did you mean "${nearest}"?)` : `"${key}"`;
  });
  const guessed = keys.every((key) => nearestKey(key, known));
  const listing = guessed || !known.length ? '' : `; known keys: ${known.join(', ')}`;
  return `unknown key${keys.length > 1 ? 's' : ''} ${named.join(', ')}${listing}`;
}

/**
 * A zod error map for strict objects: names each unknown key and the known key it most likely misspells.
 * The raw issue carries the object schema that raised it, whose shape lists the known keys.
 */
export const unknownKeyMessages: z.core.$ZodErrorMap = (issue) => {
  if (issue.code !== 'unrecognized_keys') return undefined;
  const def = issue.inst?._zod.def as { shape?: Record<string, unknown> } | undefined;
  const known = Object.keys(def?.shape ?? {});
  return describeUnknown(issue.keys, known);
};
