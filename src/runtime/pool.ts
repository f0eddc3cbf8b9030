import type { RuntimeSpec } from '../config/index.js';
import type { Logger } from '../log/index.js';
import { Worker } from './worker.js';

/** Pre-started workers for one runtime version, so a new session does not wait for a process to start. */
export class WarmPool {
  private readonly idle: Worker[] = [];
  private starting = 0;
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
    this.refill();
    return worker ?? Worker.start(this.spec, this.log);
  }

  /** Starts workers until the pool holds `warmPool` of them. */
  refill(): void {
    while (!this.closed && this.idle.length + this.starting < this.spec.sessions.warmPool) {
      this.starting++;
      Worker.start(this.spec, this.log)
        .then((worker) => {
          if (this.closed) return void worker.stop();
          worker.onexit = () => {
            const index = this.idle.indexOf(worker);
            if (index >= 0) this.idle.splice(index, 1);
          };
          this.idle.push(worker);
        })
        .catch((error: Error) => this.log.error('warm pool could not start a worker', { error: error.message }))
        .finally(() => this.starting--);
    }
  }

  /** Process ids of the ready, unused workers. */
  get idlePids(): number[] {
    return this.idle.map((worker) => worker.pid);
  }

  /** Stops every idle worker; no more are started. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.idle.splice(0).map((worker) => worker.stop()));
  }
}
