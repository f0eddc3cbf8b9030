import type { UpstreamTokens } from './oauth.js';

/** A token is refreshed this long before it expires, or after four fifths of its life for short-lived ones. */
export const REFRESH_MARGIN_MS = 60_000;

/**
 * Access tokens by key (provider, flow, user, scopes), kept until shortly before expiry and bounded in size.
 * Concurrent misses for one key share a single fetch (single-flight), so a burst of tool calls costs one token request.
 */
export class UpstreamTokenCache {
  private readonly entries = new Map<string, { token: string; refreshAt: number }>();
  private readonly inflight = new Map<string, Promise<UpstreamTokens>>();
  /** Bumped by `forget`, so a fetch that started before a provider changed does not repopulate the cache. */
  private epoch = 0;

  constructor(
    private readonly now: () => number,
    private readonly maxEntries = 1_000,
  ) {}

  /** The cached token for `key`, or the result of one shared `fetchToken()` call. */
  async get(key: string, fetchToken: () => Promise<UpstreamTokens>): Promise<string> {
    const hit = this.entries.get(key);
    if (hit && this.now() < hit.refreshAt) return hit.token;
    let pending = this.inflight.get(key);
    if (!pending) {
      const epoch = this.epoch;
      pending = fetchToken()
        .then((set) => {
          if (epoch === this.epoch) this.put(key, set);
          return set;
        })
        .finally(() => this.inflight.delete(key));
      this.inflight.set(key, pending);
    }
    return (await pending).accessToken;
  }

  private put(key: string, set: UpstreamTokens): void {
    const now = this.now();
    const lifetime = set.expiresAt - now;
    if (lifetime <= 0) return;
    this.entries.delete(key);
    if (this.entries.size >= this.maxEntries) {
      for (const [oldKey, entry] of this.entries) if (entry.refreshAt <= now) this.entries.delete(oldKey);
      const oldest = this.entries.keys().next();
      if (this.entries.size >= this.maxEntries && !oldest.done) this.entries.delete(oldest.value);
    }
    this.entries.set(key, { token: set.accessToken, refreshAt: set.expiresAt - Math.min(REFRESH_MARGIN_MS, lifetime / 5) });
  }

  /** Drops every cached token whose key starts with `prefix` (a provider was changed or deleted). */
  forget(prefix: string): void {
    this.epoch++;
    for (const key of this.entries.keys()) if (key.startsWith(prefix)) this.entries.delete(key);
  }
}
