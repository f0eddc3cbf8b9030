import { EnvHttpProxyAgent, fetch as proxiedFetch } from 'undici';

/**
 * Sends the global `fetch` through HTTP_PROXY/HTTPS_PROXY (NO_PROXY honoured) when one is set: Node 20's fetch
 * ignores them, and in a sandbox with an egress allow-list the proxy is the only way out.
 */
export function fetchThroughEnvProxy(): void {
  if (!process.env.HTTPS_PROXY && !process.env.HTTP_PROXY) return;
  const dispatcher = new EnvHttpProxyAgent();
  globalThis.fetch = ((input: Parameters<typeof proxiedFetch>[0], init?: Parameters<typeof proxiedFetch>[1]) =>
    proxiedFetch(input, { ...init, dispatcher })) as unknown as typeof fetch;
}
