import type { FetchLike } from '@modelcontextprotocol/client';

/** How hard to retry a request the network or a busy server refused. */
export interface RetryPolicy {
  /** Further attempts after the first (default 3). */
  retries: number;
  /** First backoff ceiling; doubles each attempt (default 250 ms). */
  baseDelayMs: number;
  /** Largest backoff, and the cap on a server's Retry-After (default 8 s). */
  maxDelayMs: number;
  /** Randomness for jitter, in [0, 1) (tests inject). */
  random: () => number;
}

export const DEFAULT_RETRY: RetryPolicy = { retries: 3, baseDelayMs: 250, maxDelayMs: 8_000, random: Math.random };

/** Socket errors raised before a request reached the server: always safe to send again. */
const NOT_SENT = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'UND_ERR_CONNECT_TIMEOUT']);
/** Socket errors after which the server may or may not have the request. */
const MAYBE_SENT = new Set(['ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED']);
const RETRY_STATUS = new Set([500, 502, 503, 504]);

function errorCode(error: unknown): string | undefined {
  const cause = (error as { cause?: { code?: string } }).cause;
  return cause?.code ?? (error as { code?: string }).code;
}

/** JSON-RPC messages in a POST body (one or a batch); empty for anything else. */
export function messagesOf(init: RequestInit | undefined): { method?: string; id?: unknown }[] {
  if (typeof init?.body !== 'string') return [];
  try {
    const parsed = JSON.parse(init.body) as unknown;
    return (Array.isArray(parsed) ? parsed : [parsed]) as { method?: string; id?: unknown }[];
  } catch {
    return [];
  }
}

/**
 * Whether sending this request twice is harmless. A `tools/call` is not: a tool may act on the world, and a request
 * that may have reached the server must never run twice. Everything else MCP sends (lists, reads, prompts, ping,
 * initialize, notifications, GET streams, DELETE) is safe to repeat.
 */
export function repeatable(init: RequestInit | undefined): boolean {
  return !messagesOf(init).some((message) => message.method === 'tools/call');
}

/** Retry-After (RFC 9110 §10.2.3) as milliseconds, seconds or an HTTP date. */
function retryAfterMs(response: Response): number | undefined {
  const value = response.headers.get('retry-after');
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

function sleep(ms: number, signal: AbortSignal | null | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason as Error);
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        reject(signal.reason as Error);
      },
      { once: true },
    );
  });
}

/**
 * Fetch that retries with full-jitter exponential backoff: connection failures before sending (any request),
 * 429 (the server refused without doing the work; any request), and dropped connections and 5xx only for
 * requests that are safe to repeat (never a `tools/call`).
 */
export function withRetries(next: FetchLike, policy: RetryPolicy = DEFAULT_RETRY): FetchLike {
  return async (input, init) => {
    const safe = repeatable(init);
    for (let attempt = 0; ; attempt++) {
      const backoff = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** attempt) * policy.random();
      let response: Response;
      try {
        response = await next(input, init);
      } catch (error) {
        const code = errorCode(error);
        const retry = attempt < policy.retries && !init?.signal?.aborted && (NOT_SENT.has(code ?? '') || (safe && MAYBE_SENT.has(code ?? '')));
        if (!retry) throw error;
        await sleep(backoff, init?.signal);
        continue;
      }
      const retry = attempt < policy.retries && (response.status === 429 || (safe && RETRY_STATUS.has(response.status)));
      if (!retry) return response;
      const wait = Math.min(policy.maxDelayMs, retryAfterMs(response) ?? backoff);
      await response.body?.cancel().catch(() => undefined);
      await sleep(wait, init?.signal);
    }
  };
}
