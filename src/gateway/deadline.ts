// A call's deadline. The guard (guard.ts) starts one per call and is its only owner (a sync's is live.ts's); drivers
// below it take its signal and tell a timeout from a cancellation with `timedOut`, and set the timer the SDK client
// starts for every request past it (`sdkTimeoutPast`), so the owner's fires first. Not `AbortSignal.any([..., AbortSignal.timeout(ms)])`: on
// Node 20 a timeout signal reachable only through `any()` can be garbage-collected before it fires
// (nodejs/node#57736), and a stalled call then has no deadline at all (seen as a 60 s hang on a loaded machine). Here
// the timer holds its controller until it fires or `clear()` stops it.

/** A sync (connecting, listing thousands of tools) may take longer than one call; it gets at least this long. */
const SYNC_TIMEOUT_MS = 30_000;
/**
 * How far past its deadline an SDK request's own timer is set. The SDK client always starts one (60 s unless told
 * otherwise) and cannot be told not to, so it is pushed past the deadline that owns the work and never fires first.
 */
const SDK_BACKSTOP_MS = 1_000;

/** The deadline of a target's sync (live.ts starts it): the target's call timeout, or longer. */
export function syncTimeoutMs(callTimeoutMs: number): number {
  return Math.max(callTimeoutMs, SYNC_TIMEOUT_MS);
}

/** The `timeout` an SDK request gets under a deadline of `ms`: the deadline's signal ends the request, not this timer. */
export function sdkTimeoutPast(ms: number): number {
  return ms + SDK_BACKSTOP_MS;
}

/** Aborts `signal` at `ms` (with a TimeoutError) or when any of the given signals aborts. */
export class Deadline {
  /** Aborts only at the deadline. */
  readonly expired: AbortSignal;
  /** Aborts at the deadline or with any of the given signals. */
  readonly signal: AbortSignal;
  private readonly timer: NodeJS.Timeout;
  private readonly unfollow: () => void;

  constructor(ms: number, ...signals: AbortSignal[]) {
    const expiry = new AbortController();
    const joined = signals.length > 0 ? new AbortController() : expiry;
    this.timer = setTimeout(() => {
      const reason = new DOMException(`The operation timed out after ${ms} ms`, 'TimeoutError');
      expiry.abort(reason);
      joined.abort(reason);
    }, ms);
    this.timer.unref();
    this.expired = expiry.signal;
    this.signal = joined.signal;
    // A listener on each given signal rather than AbortSignal.any, which costs far more per call on Node 20 (a new
    // signal with weak references to every source); clear() removes the listeners again.
    const follow = (event: Event): void => joined.abort((event.target as AbortSignal).reason);
    for (const outer of signals) {
      if (outer.aborted) {
        joined.abort(outer.reason);
        break;
      }
      outer.addEventListener('abort', follow, { once: true });
    }
    this.unfollow = () => {
      for (const outer of signals) outer.removeEventListener('abort', follow);
    };
  }

  /** Stops the timer and stops following the given signals once the work is done (the signals stay as they are). */
  clear(): void {
    clearTimeout(this.timer);
    this.unfollow();
  }
}

/** True when `signal` was aborted by a Deadline (or any other TimeoutError), not by a caller's cancellation. */
export function timedOut(signal: AbortSignal): boolean {
  return signal.aborted && (signal.reason as { name?: unknown } | undefined)?.name === 'TimeoutError';
}
