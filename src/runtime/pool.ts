import type { RuntimeSpec } from '../config/index.js';
import type { Logger } from '../log/index.js';
import { PoolSizer } from './pool-size.js';
import { Worker, type WorkerExit } from './worker.js';

const PARALLEL_STARTS = 1;
const IDLE_CRASH_PAUSE_MS = 5_000;
const QUIET_BEFORE_REFILL_MS = 250;
/** An idle pool above its target stops one worker this often, so a lull between bursts does not empty it. */
const SHRINK_EVERY_MS = 30_000;
/**
 * How long a refill waits for its server to say it has loaded (WORKER_READY) before it joins the pool anyway: long
 * enough for a start at background priority on a busy host. A server that never says so (one Toolport did not write)
 * makes its runtime version's later refills join once spawned.
 */
const READY_TIMEOUT_MS = 60_000;

/** A worker being started for the pool; a session that finds no ready worker claims it rather than start another. */
interface Refill {
  /** The worker once its process is spawned, or undefined when it could not start. */
  spawned: Promise<Worker | undefined>;
  /** A session took it before its server answered: it does not join the pool. */
  claimed: boolean;
}

/** Pre-started workers for one runtime version, so a new session does not wait for a process to start. */
export class WarmPool {
  private readonly idle: Worker[] = [];
  private readonly starting: Refill[] = [];
  private pausedUntil = 0;
  private refillTimer?: NodeJS.Timeout;
  private shrinkTimer?: NodeJS.Timeout;
  private lastTake = 0;
  private closed = false;
  /** Whether its server says it has loaded (WORKER_READY); once one did not, refills join the pool when spawned. */
  private announcesReady = true;
  private readonly sizer: PoolSizer;

  constructor(
    readonly spec: RuntimeSpec,
    private readonly log: Logger,
  ) {
    const { warmPool, warmPoolMin } = spec.sessions;
    this.sizer = new PoolSizer({ min: Math.min(warmPoolMin, warmPool), max: warmPool });
  }

  /**
   * Hands out a started worker that no session has used, at normal CPU priority: an idle one, else the refill in
   * flight (raised now, it is further along than a new start), else a new one. Refills the pool in the background.
   */
  async take(): Promise<Worker> {
    let worker: Worker | undefined;
    while ((worker = this.idle.shift())) {
      if (worker.alive) break;
    }
    this.lastTake = Date.now();
    this.sizer.arrived();
    const refill = worker ? undefined : this.starting.shift();
    if (refill) refill.claimed = true;
    this.refillWhenQuiet();
    // A claimed refill is taken once spawned: its server reads the session's initialize as soon as it has loaded.
    worker ??= await refill?.spawned;
    if (!worker?.alive) return Worker.start(this.spec, this.log);
    await worker.foreground();
    return worker;
  }

  /** How many workers the pool keeps ready now, from the arrival rate of new sessions. */
  get target(): number {
    return this.sizer.target;
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
    if (quietFor >= QUIET_BEFORE_REFILL_MS || this.idle.length <= Math.max(1, Math.floor(this.target / 4))) return this.refill();
    this.refillTimer = setTimeout(() => this.refillWhenQuiet(), QUIET_BEFORE_REFILL_MS - quietFor);
    this.refillTimer.unref();
  }

  /**
   * Starts workers until the pool holds its target, one at a time and at lower CPU priority: a process start costs
   * a few hundred ms of CPU, which the sessions being served right now should not lose.
   */
  refill(): void {
    // A worker that died while idle suggests a broken command: do not respawn it in a loop, wait for demand.
    if (Date.now() < this.pausedUntil) return;
    while (!this.closed && this.starting.length < PARALLEL_STARTS && this.idle.length + this.starting.length < this.target) {
      const spawned = Worker.start(this.spec, this.log, { background: true }).catch((error: Error) => {
        this.pausedUntil = Date.now() + IDLE_CRASH_PAUSE_MS;
        this.log.error('warm pool could not start a worker', { error: error.message });
        return undefined;
      });
      const refill: Refill = { spawned, claimed: false };
      this.starting.push(refill);
      void this.join(refill);
    }
  }

  /** Adds a refill's worker to the pool once its server answered, unless a session claimed it meanwhile. */
  private async join(refill: Refill): Promise<void> {
    const began = Date.now();
    const worker = await refill.spawned;
    if (worker && !refill.claimed && this.announcesReady && !(await worker.announcesReady(READY_TIMEOUT_MS)) && worker.alive) {
      this.announcesReady = false;
      this.log.info('a warm worker did not say it was ready; this runtime version’s refills join the pool once spawned', { timeoutMs: READY_TIMEOUT_MS });
    }
    const index = this.starting.indexOf(refill);
    if (index >= 0) this.starting.splice(index, 1);
    if (!worker || refill.claimed) return;
    this.sizer.started(Date.now() - began);
    if (this.closed) return void worker.stop();
    if (!worker.alive) return this.crashedWhileIdle(worker.exitStatus);
    worker.onexit = (exit) => {
      const at = this.idle.indexOf(worker);
      if (at >= 0) this.idle.splice(at, 1);
      if (!this.closed) this.crashedWhileIdle(exit);
    };
    this.idle.push(worker);
    this.refillWhenQuiet();
    this.shrinkWhenIdle();
  }

  /** A worker that exited before any session used it: refills pause, so a broken command is not respawned in a loop. */
  private crashedWhileIdle(exit: WorkerExit | undefined): void {
    this.pausedUntil = Date.now() + IDLE_CRASH_PAUSE_MS;
    this.log.error('a warm worker exited before any session used it; pausing refills', {
      code: exit?.code,
      signal: exit?.signal,
      stderr: exit?.stderrSummary,
    });
  }

  /** Stops one idle worker every {@link SHRINK_EVERY_MS} while the pool holds more than its target, down to its minimum. */
  private shrinkWhenIdle(): void {
    if (this.shrinkTimer || this.closed) return;
    this.shrinkTimer = setTimeout(() => {
      this.shrinkTimer = undefined;
      const surplus = this.idle.length > this.target ? this.idle.pop() : undefined;
      if (surplus) {
        surplus.onexit = undefined;
        void surplus.stop();
      }
      // The target keeps falling while no sessions arrive: look again until the pool is down to its minimum.
      if (this.idle.length > this.sizer.bounds.min) this.shrinkWhenIdle();
    }, SHRINK_EVERY_MS);
    this.shrinkTimer.unref();
  }

  /** Process ids of the ready, unused workers. */
  get idlePids(): number[] {
    return this.idle.map((worker) => worker.pid);
  }

  /** Stops every idle and starting worker; no more are started. */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.refillTimer);
    clearTimeout(this.shrinkTimer);
    // A refill still waiting for its server's answer is stopped too, not left running until it answers.
    const starting = this.starting.splice(0).map((refill) => refill.spawned.then((worker) => worker?.stop()));
    await Promise.all([...this.idle.splice(0).map((worker) => worker.stop()), ...starting]);
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
