import type { RuntimeSpec } from '../config/index.js';
import type { Logger } from '../log/index.js';
import { Worker } from './worker.js';

const PARALLEL_STARTS = 1;
const IDLE_CRASH_PAUSE_MS = 5_000;
const QUIET_BEFORE_REFILL_MS = 250;

/** Pre-started workers for one runtime version, so a new session does not wait for a process to start. */
export class WarmPool {
  private readonly idle: Worker[] = [];
  private starting = 0;
  private pausedUntil = 0;
  private refillTimer?: NodeJS.Timeout;
  private lastTake = 0;
  private closed = false;

  constructor(
    readonly spec: RuntimeSpec,
    private readonly log: Logger,
  ) {}

  /** Hands out a started worker that no session has used; refills the pool in the background. */
  async take(): Promise<Worker> {
    let worker: Worker | undefined;
    while ((worker = this.idle.shift())) {
      if (worker.alive) break;
    }
    this.lastTake = Date.now();
    this.refillWhenQuiet();
    return worker ?? Worker.start(this.spec, this.log);
  }

  /** Starts a worker of its own whose HOME is a session's stored folder (a warm worker's HOME is a fresh one). */
  startWithHome(storedHome: string): Promise<Worker> {
    return Worker.start(this.spec, this.log, { storedHome });
  }

  /**
   * Refills at once when the pool is down to a quarter (or one worker), otherwise once new sessions stop arriving
   * for a moment: starting a process costs a few hundred ms of CPU, which a burst needs more than a full pool does.
   */
  private refillWhenQuiet(): void {
    clearTimeout(this.refillTimer);
    const quietFor = Date.now() - this.lastTake;
    if (quietFor >= QUIET_BEFORE_REFILL_MS || this.idle.length <= Math.max(1, Math.floor(this.spec.sessions.warmPool / 4))) return this.refill();
    this.refillTimer = setTimeout(() => this.refillWhenQuiet(), QUIET_BEFORE_REFILL_MS - quietFor);
    this.refillTimer.unref();
  }

  /**
   * Starts workers until the pool holds `warmPool` of them, one at a time: a process start costs a few hundred ms
   * of CPU, and starting many at once would take that CPU from the sessions being served right now.
   */
  refill(): void {
    // A worker that died while idle suggests a broken command: do not respawn it in a loop, wait for demand.
    if (Date.now() < this.pausedUntil) return;
    while (!this.closed && this.starting < PARALLEL_STARTS && this.idle.length + this.starting < this.spec.sessions.warmPool) {
      this.starting++;
      Worker.start(this.spec, this.log)
        .then((worker) => {
          if (this.closed) return void worker.stop();
          worker.onexit = (exit) => {
            const index = this.idle.indexOf(worker);
            if (index >= 0) this.idle.splice(index, 1);
            if (this.closed) return;
            this.pausedUntil = Date.now() + IDLE_CRASH_PAUSE_MS;
            this.log.error('a warm worker exited before any session used it; pausing refills', {
              code: exit.code,
              signal: exit.signal,
              stderr: exit.stderrSummary,
            });
          };
          this.idle.push(worker);
          this.starting--;
          this.refillWhenQuiet();
        })
        .catch((error: Error) => {
          this.starting--;
          this.pausedUntil = Date.now() + IDLE_CRASH_PAUSE_MS;
          this.log.error('warm pool could not start a worker', { error: error.message });
        });
    }
  }

  /** Process ids of the ready, unused workers. */
  get idlePids(): number[] {
    return this.idle.map((worker) => worker.pid);
  }

  /** Stops every idle worker; no more are started. */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.refillTimer);
    await Promise.all(this.idle.splice(0).map((worker) => worker.stop()));
  }
}

/** The warm pool of every runtime version in use, keyed `{name}@{version}`. */
export class WarmPools {
  private readonly pools = new Map<string, WarmPool>();

  constructor(
    private readonly log: Logger,
    /** Extra environment for every worker of a runtime (the vault's workload endpoint and token). */
    private readonly workerEnv?: (runtime: string) => Record<string, string>,
  ) {}

  /** The pool of one runtime version, created on first use. */
  of(name: string, version: number, spec: RuntimeSpec): WarmPool {
    const key = `${name}@${version}`;
    let pool = this.pools.get(key);
    if (!pool) {
      const env = this.workerEnv ? { ...spec.env, ...this.workerEnv(name) } : spec.env;
      pool = new WarmPool({ ...spec, env }, this.log.child({ runtime: name, version }));
      this.pools.set(key, pool);
    }
    return pool;
  }

  /** Closes the pools of a runtime's versions that no endpoint names any more (all of them for a deleted runtime). */
  retire(name: string, keepVersions: number[]): void {
    const keep = new Set(keepVersions.map((version) => `${name}@${version}`));
    for (const [key, pool] of this.pools) {
      if (key.startsWith(`${name}@`) && !keep.has(key)) {
        this.pools.delete(key);
        void pool.close();
      }
    }
  }

  /** Process ids of a runtime's pre-started workers that no session has taken yet. */
  idlePids(name: string): number[] {
    return [...this.pools.entries()].filter(([key]) => key.startsWith(`${name}@`)).flatMap(([, pool]) => pool.idlePids);
  }

  async close(): Promise<void> {
    await Promise.all([...this.pools.values()].map((pool) => pool.close()));
    this.pools.clear();
  }
}
