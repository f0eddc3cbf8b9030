/**
 * Sends the global `fetch` through HTTP_PROXY/HTTPS_PROXY (NO_PROXY honoured) when one is set: Node 20's fetch
 * ignores them, and in a sandbox with an egress allow-list the proxy is the only way out. undici is loaded only then:
 * it costs ~0.17 CPU-s, a third of a module worker's start (docs/benchmarks.md, worker start cost).
 */
export async function fetchThroughEnvProxy(): Promise<void> {
  if (!process.env.HTTPS_PROXY && !process.env.HTTP_PROXY) return;
  const { EnvHttpProxyAgent, fetch: proxiedFetch } = await import('undici');
  const dispatcher = new EnvHttpProxyAgent();
  globalThis.fetch = ((input: Parameters<typeof proxiedFetch>[0], init?: Parameters<typeof proxiedFetch>[1]) =>
    proxiedFetch(input, { ...init, dispatcher })) as unknown as typeof fetch;
}
