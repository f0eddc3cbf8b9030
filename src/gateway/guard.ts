// Per-target reliability: a timeout on every call, a bound on calls in flight, and a circuit breaker so a dead target
// answers at once with a clear error instead of holding every caller until its timeout.
import { ProtocolError } from '@modelcontextprotocol/server';
import type { TargetSpec } from '../config/index.js';
import { TargetError } from './targets/types.js';
import { Deadline } from './deadline.js';
import { GatewayError } from './errors.js';

type GuardSpec = Pick<TargetSpec, 'name' | 'timeout' | 'maxConcurrency' | 'breaker'>;

/** The breaker's state as shown in target status. */
export type CircuitState = 'closed' | 'open' | 'half-open';

/**
 * Failures that say the target itself is unwell. A tool's own isError result is not one, nor is a JSON-RPC error the
 * target answered with (it answered).
 */
function countsAgainstTarget(error: unknown): boolean {
  if (error instanceof TargetError) return error.kind !== 'invalid';
  return !(error instanceof GatewayError || error instanceof ProtocolError);
}

/** Wraps every call to one target. */
export class TargetGuard {
  private inFlight = 0;
  private readonly waiting: (() => void)[] = [];
  private failures = 0;
  private openedAt: number | undefined;
  private trialRunning = false;

  constructor(
    private readonly spec: GuardSpec,
    private readonly clock: () => number = Date.now,
  ) {}

  get state(): CircuitState {
    if (this.openedAt === undefined) return 'closed';
    return this.clock() - this.openedAt >= this.spec.breaker.cooldown ? 'half-open' : 'open';
  }

  /**
   * Runs `call` with a signal that aborts on the caller's cancellation or the target's timeout (waiting for a slot
   * counts). Rejects at once with `circuit_open` while the breaker is open; a half-open breaker lets one trial through.
   */
  async run<T>(outer: AbortSignal, call: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const state = this.state;
    if (state === 'open' || (state === 'half-open' && this.trialRunning)) {
      const retryIn = Math.ceil((this.spec.breaker.cooldown - (this.clock() - (this.openedAt ?? 0))) / 1000);
      throw new GatewayError(
        'circuit_open',
        `target "${this.spec.name}" failed ${this.spec.breaker.failures} times in a row and is paused; retry in ${Math.max(retryIn, 1)} s`,
      );
    }
    const trial = state === 'half-open';
    if (trial) this.trialRunning = true;
    const deadline = new Deadline(this.spec.timeout, outer);
    const { signal } = deadline;
    try {
      await this.acquire(signal);
      try {
        const result = await call(signal);
        this.failures = 0;
        this.openedAt = undefined;
        return result;
      } finally {
        this.release();
      }
    } catch (error) {
      const failure = this.explain(error, signal, outer);
      if (!outer.aborted && countsAgainstTarget(failure)) this.recordFailure(trial);
      throw failure;
    } finally {
      deadline.clear();
      if (trial) this.trialRunning = false;
    }
  }

  private recordFailure(trial: boolean): void {
    this.failures++;
    if (trial || this.failures >= this.spec.breaker.failures) this.openedAt = this.clock();
  }

  /** A timeout reads as one whatever the driver threw when its signal fired. */
  private explain(error: unknown, signal: AbortSignal, outer: AbortSignal): unknown {
    if (signal.aborted && !outer.aborted) {
      return new TargetError('timeout', `target "${this.spec.name}" did not answer within ${this.spec.timeout} ms`, (error as Error).message);
    }
    return error;
  }

  private acquire(signal: AbortSignal): Promise<void> {
    if (this.inFlight < this.spec.maxConcurrency) {
      this.inFlight++;
      return Promise.resolve();
    }
    return new Promise((resolve, reject) => {
      const grant = (): void => {
        signal.removeEventListener('abort', abandon);
        this.inFlight++;
        resolve();
      };
      const abandon = (): void => {
        this.waiting.splice(this.waiting.indexOf(grant), 1);
        reject(new Error(`waited for one of ${this.spec.maxConcurrency} call slots`));
      };
      signal.addEventListener('abort', abandon, { once: true });
      this.waiting.push(grant);
    });
  }

  private release(): void {
    this.inFlight--;
    this.waiting.shift()?.();
  }
}
