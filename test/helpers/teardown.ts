import { once } from 'node:events';
import type { ChildProcess } from 'node:child_process';

/**
 * What a test's `before` started, undone last first. A `before` that fails part-way undoes what it had started
 * itself, so a server or browser left running cannot keep the test process alive until the runner's timeout; the
 * `after` hook then finds nothing left to undo.
 *
 *   const teardown = new Teardown();
 *   before(() => teardown.setup(async () => { platform = await testPlatform(); teardown.add(() => platform.stop()); }));
 *   after(() => teardown.run());
 */
export class Teardown {
  readonly #steps: Array<() => unknown> = [];

  /** Registers how to undo what was just started. */
  add(step: () => unknown): void {
    this.#steps.push(step);
  }

  /** Runs `setup`; when it throws, undoes what it had registered so far and rethrows its error. */
  async setup(setup: () => Promise<void>): Promise<void> {
    try {
      await setup();
    } catch (error) {
      await this.run().catch(() => undefined); // the setup's error is the one worth reporting
      throw error;
    }
  }

  /** Undoes everything registered, last first. Every step runs even when one fails; the first failure is rethrown. */
  async run(): Promise<void> {
    const failures: unknown[] = [];
    for (let step = this.#steps.pop(); step; step = this.#steps.pop()) {
      try {
        await step();
      } catch (error) {
        failures.push(error);
      }
    }
    if (failures.length > 0) throw failures[0];
  }
}

/**
 * Runs every step of an `after` hook, even when one throws, and rethrows the first failure. Steps use optional
 * chaining (`() => platform?.stop()`): after a `before` that failed half-way, what it started is closed and what it
 * never reached is skipped, so nothing is left holding the test process open.
 */
export async function closeAll(...steps: Array<() => unknown>): Promise<void> {
  const teardown = new Teardown();
  for (const step of steps.reverse()) teardown.add(step);
  await teardown.run();
}

/** Ends a child process and waits for its exit; at once when it never started or has already exited. */
export async function stopChild(child: ChildProcess | undefined, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill(signal);
  await exited;
}
