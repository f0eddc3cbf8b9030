import type { CallContext } from '../types.js';

/** A caller abort this close to the deadline is the gateway's own timeout firing first (it started its clock earlier). */
const TIMEOUT_ABORT_MARGIN_MS = 250;

/** One call's time budget, joined with the caller's signal; tells a timeout from a caller's cancellation. */
export class CallDeadline {
  private readonly started = Date.now();
  private readonly own: AbortSignal;
  /** Aborts at the timeout or when the caller's signal aborts. */
  readonly signal: AbortSignal;

  constructor(
    private readonly call: CallContext,
    readonly timeoutMs: number,
  ) {
    this.own = AbortSignal.timeout(timeoutMs);
    this.signal = AbortSignal.any([call.signal, this.own]);
  }

  /** True once the budget is spent: by our clock, or by the gateway's (an abort with a TimeoutError, or at our deadline). */
  get timedOut(): boolean {
    if (this.own.aborted) return true;
    if (!this.call.signal.aborted) return false;
    const reason = this.call.signal.reason as { name?: unknown } | undefined;
    return reason?.name === 'TimeoutError' || Date.now() - this.started >= this.timeoutMs - TIMEOUT_ABORT_MARGIN_MS;
  }

  /** True when the caller went away before the deadline. */
  get cancelled(): boolean {
    return this.call.signal.aborted && !this.timedOut;
  }
}
