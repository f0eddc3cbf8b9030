/** A URL split the way SigV4 canonicalises it; used both to sign (client) and to verify (identity). */
export interface SignableUrl {
  protocol: string;
  hostname: string;
  port?: number;
  path: string;
  /** name → value, or values for a repeated name. */
  query: Record<string, string | string[]>;
}

export function signableUrl(url: URL): SignableUrl {
  const query: Record<string, string | string[]> = {};
  for (const [name, value] of url.searchParams) {
    const existing = query[name];
    query[name] = existing === undefined ? value : [...(Array.isArray(existing) ? existing : [existing]), value];
  }
  return { protocol: url.protocol, hostname: url.hostname, ...(url.port ? { port: Number(url.port) } : {}), path: url.pathname, query };
}
