/** How long an arrival keeps counting in the rate: past a few minutes without new sessions, the pool is back at its minimum. */
const RATE_TIME_CONSTANT_MS = 60_000;
/** What a worker start is assumed to take at least (0.3–0.6 CPU-s for a Node worker here, more when niced on a busy host). */
const START_FLOOR_MS = 500;
/** Weight of the newest start in the expected start time. */
const START_SMOOTHING = 0.3;

/**
 * How many warm workers a runtime version needs: new sessions per second (an exponentially weighted rate that decays
 * while none arrive) times how long a worker takes to start, within the configured bounds. By Little's law that is
 * how many starts are in flight when refills keep up with arrivals.
 */
export class PoolSizer {
  /** Arrivals per ms, as of `updatedAt`. */
  private rate = 0;
  private updatedAt: number;
  private expectedStartMs = 2 * START_FLOOR_MS;

  constructor(
    /** The configured `warmPoolMin` (at most `warmPool`) and `warmPool`. */
    readonly bounds: { min: number; max: number },
    private readonly now: () => number = Date.now,
  ) {
    this.updatedAt = now();
  }

  /** Counts one new session. */
  arrived(): void {
    const now = this.now();
    this.rate = this.rateAt(now) + 1 / RATE_TIME_CONSTANT_MS;
    this.updatedAt = now;
  }

  /** Learns how long a worker start took. */
  started(durationMs: number): void {
    this.expectedStartMs += START_SMOOTHING * (Math.max(START_FLOOR_MS, durationMs) - this.expectedStartMs);
  }

  /** New sessions per second, as of now. */
  get arrivalsPerSecond(): number {
    return this.rateAt(this.now()) * 1000;
  }

  /** The pool size to keep: clamp(ceil(rate × expected start time), min, max). */
  get target(): number {
    const { min, max } = this.bounds;
    const needed = Math.ceil(this.rateAt(this.now()) * this.expectedStartMs - 1e-9);
    return Math.min(max, Math.max(min, needed));
  }

  private rateAt(now: number): number {
    return this.rate * Math.exp(-(now - this.updatedAt) / RATE_TIME_CONSTANT_MS);
  }
}
