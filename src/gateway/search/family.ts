// Service-level evidence. Requests usually target one service ("... from the Reqres API: list the users and get
// user 1"), and the sibling endpoints of the best match often have terse descriptions ("Users", "Get Product") that
// could never rank on their own words. Aggregating over a family lets a service that clearly fits lift all of its
// endpoints, and a service that fits in several places beat one with a single lucky match.

/** Maps family keys to dense ids (0..count-1) so per-query aggregation is flat array work. */
export function familyIds(keys: readonly string[]): { ids: Int32Array; count: number } {
  const byKey = new Map<string, number>();
  const ids = Int32Array.from(keys, (key) => {
    let id = byKey.get(key);
    if (id === undefined) byKey.set(key, (id = byKey.size));
    return id;
  });
  return { ids, count: byKey.size };
}

/**
 * Per document, `weight ×` the sum of the `top` best scores within its family. Summing the best two rather than
 * taking the maximum rewards services that match the request in more than one endpoint; capping at `top` keeps
 * big services (hundreds of endpoints) from winning by size alone.
 */
export function familyBoost(scores: Float64Array, families: Int32Array, count: number, weight: number, top: number): Float64Array {
  const best = new Float64Array(count * top); // per family, its `top` best scores in descending order
  for (let i = 0; i < scores.length; i++) {
    const s = scores[i]!;
    const base = families[i]! * top;
    if (s <= best[base + top - 1]!) continue;
    let j = base + top - 1;
    for (; j > base && best[j - 1]! < s; j--) best[j] = best[j - 1]!;
    best[j] = s;
  }
  const aggregate = new Float64Array(count);
  for (let f = 0; f < count; f++) for (let k = 0; k < top; k++) aggregate[f]! += best[f * top + k]!;
  const out = new Float64Array(families.length);
  for (let i = 0; i < families.length; i++) out[i] = weight * aggregate[families[i]!]!;
  return out;
}
