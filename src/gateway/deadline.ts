// A call's deadline. The guard (guard.ts) starts one per call and is its only owner; drivers below it take its signal
// and tell a timeout from a cancellation with `timedOut`. Not `AbortSignal.any([..., AbortSignal.timeout(ms)])`: on
// Node 20 a timeout signal reachable only through `any()` can be garbage-collected before it fires
// (nodejs/node#57736), and a stalled call then has no deadline at all (seen as a 60 s hang on a loaded machine). Here
// the timer holds its controller until it fires or `clear()` stops it.

/** Aborts `signal` at `ms` (with a TimeoutError) or when any of the given signals aborts. */
export class Deadline {
  /** Aborts only at the deadline. */
  readonly expired: AbortSignal;
  /** Aborts at the deadline or with any of the given signals. */
  readonly signal: AbortSignal;
  private readonly timer: NodeJS.Timeout;

  constructor(ms: number, ...signals: AbortSignal[]) {
    const controller = new AbortController();
    this.timer = setTimeout(() => controller.abort(new DOMException(`The operation timed out after ${ms} ms`, 'TimeoutError')), ms);
    this.timer.unref();
    this.expired = controller.signal;
    this.signal = signals.length > 0 ? AbortSignal.any([...signals, controller.signal]) : controller.signal;
  }

  /** Stops the timer once the work is done (the signals stay as they are). */
  clear(): void {
    clearTimeout(this.timer);
  }
}

/** True when `signal` was aborted by a Deadline (or any other TimeoutError), not by a caller's cancellation. */
export function timedOut(signal: AbortSignal): boolean {
  return signal.aborted && (signal.reason as { name?: unknown } | undefined)?.name === 'TimeoutError';
}
