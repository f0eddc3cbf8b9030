import { Deadline } from '../../deadline.js';
import type { CallContext } from '../types.js';

/** A caller abort this close to the deadline is the gateway's own timeout firing first (it started its clock earlier). */
const TIMEOUT_ABORT_MARGIN_MS = 250;

/** One call's time budget, joined with the caller's signal; tells a timeout from a caller's cancellation. */
export class CallDeadline {
  private readonly started = Date.now();
  private readonly deadline: Deadline;
  /** Aborts at the timeout or when the caller's signal aborts. */
  readonly signal: AbortSignal;

  constructor(
    private readonly call: CallContext,
    readonly timeoutMs: number,
  ) {
    this.deadline = new Deadline(timeoutMs, call.signal);
    this.signal = this.deadline.signal;
  }

  /** Stops the clock once the call is over. */
  clear(): void {
    this.deadline.clear();
  }

  /** True once the budget is spent: by our clock, or by the gateway's (an abort with a TimeoutError, or at our deadline). */
  get timedOut(): boolean {
    if (this.deadline.expired.aborted) return true;
    if (!this.call.signal.aborted) return false;
    const reason = this.call.signal.reason as { name?: unknown } | undefined;
    return reason?.name === 'TimeoutError' || Date.now() - this.started >= this.timeoutMs - TIMEOUT_ABORT_MARGIN_MS;
  }

  /** True when the caller went away before the deadline. */
  get cancelled(): boolean {
    return this.call.signal.aborted && !this.timedOut;
  }
}
