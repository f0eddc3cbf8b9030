/**
 * A URL's query as name → value (or values, for a repeated name): the shape SigV4 canonicalises, used both to sign
 * (client) and to verify (identity).
 */
export function queryParameters(url: URL): Record<string, string | string[]> {
  const query: Record<string, string | string[]> = {};
  for (const [name, value] of url.searchParams) {
    const existing = query[name];
    query[name] = existing === undefined ? value : [...(Array.isArray(existing) ? existing : [existing]), value];
  }
  return query;
}
