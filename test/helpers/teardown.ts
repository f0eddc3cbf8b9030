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
