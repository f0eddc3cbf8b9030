// The per-target guard on its own: its circuit breaker reads time from the injected clock, so the cooldown is a
// number the test moves, not a wait; the deadline is the one the guard starts (a short real timer).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ProtocolError } from '@modelcontextprotocol/server';
import { TargetGuard } from '../../src/gateway/guard.js';
import { GatewayError } from '../../src/gateway/errors.js';
import { TargetError } from '../../src/gateway/targets/types.js';

const COOLDOWN_MS = 30_000;

/** A guard over a target that fails after `failures` failures in a row, and the clock it reads. */
function guarded(options: { timeout?: number; maxConcurrency?: number } = {}) {
  const clock = { now: 1_000_000 };
  const guard = new TargetGuard(
    { name: 'flaky', timeout: options.timeout ?? 5_000, maxConcurrency: options.maxConcurrency ?? 8, breaker: { failures: 3, cooldown: COOLDOWN_MS } },
    () => clock.now,
  );
  return { guard, clock };
}

const failing = async (): Promise<never> => {
  throw new TargetError('unreachable', 'target "flaky" cannot be reached');
};
const isCircuitOpen = (error: unknown): boolean => error instanceof GatewayError && error.code === 'circuit_open';

/**
 * A call that hangs until its signal aborts. It holds the event loop open, as a driver's socket would: the deadline's
 * own timer does not (it is unref'd).
 */
const stall = (signal: AbortSignal): Promise<never> =>
  new Promise((_resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const socket = setTimeout(() => undefined, 60_000);
    signal.addEventListener('abort', () => {
      clearTimeout(socket);
      reject(signal.reason);
    });
  });

describe('TargetGuard', () => {
  it("times a call out at the target's timeout, as a timeout error naming it", async () => {
    const { guard } = guarded({ timeout: 30 });
    await assert.rejects(
      guard.run(new AbortController().signal, stall),
      (error: unknown) => error instanceof TargetError && error.kind === 'timeout' && /did not answer within 30 ms/.test(error.message),
    );
  });

  it('opens the circuit after the configured failures, fails fast without calling, and lets one trial through after the cooldown', async () => {
    const { guard, clock } = guarded();
    const outer = new AbortController().signal;
    for (let i = 0; i < 3; i++) await assert.rejects(guard.run(outer, failing), TargetError);
    assert.equal(guard.state, 'open');
    let called = 0;
    await assert.rejects(
      guard.run(outer, async () => ++called),
      (error: unknown) => isCircuitOpen(error) && /retry in 30 s/.test((error as Error).message),
    );
    clock.now += COOLDOWN_MS - 1;
    await assert.rejects(
      guard.run(outer, async () => ++called),
      isCircuitOpen,
      'still open a millisecond before the cooldown ends',
    );
    assert.equal(called, 0, 'an open circuit never reaches the target');

    clock.now += 1;
    assert.equal(guard.state, 'half-open');
    let releaseTrial!: () => void;
    const trial = guard.run(outer, () => new Promise<string>((resolve) => (releaseTrial = () => resolve('recovered'))));
    await assert.rejects(
      guard.run(outer, async () => ++called),
      isCircuitOpen,
      'only one trial at a time',
    );
    releaseTrial();
    assert.equal(await trial, 'recovered');
    assert.equal(guard.state, 'closed');
  });

  it('reopens the circuit at once when the trial call fails', async () => {
    const { guard, clock } = guarded();
    const outer = new AbortController().signal;
    for (let i = 0; i < 3; i++) await assert.rejects(guard.run(outer, failing), TargetError);
    clock.now += COOLDOWN_MS;
    await assert.rejects(guard.run(outer, failing), TargetError);
    assert.equal(guard.state, 'open');
    clock.now += COOLDOWN_MS;
    assert.equal(guard.state, 'half-open');
  });

  it("does not count the target's JSON-RPC answers, invalid arguments or the caller's cancellations as failures", async () => {
    const { guard } = guarded();
    for (let i = 0; i < 5; i++) {
      await assert.rejects(
        guard.run(new AbortController().signal, async () => {
          throw new ProtocolError(-32602, 'no such tool');
        }),
      );
      await assert.rejects(
        guard.run(new AbortController().signal, async () => {
          throw new TargetError('invalid', 'bad arguments');
        }),
      );
      const caller = new AbortController();
      const call = guard.run(caller.signal, stall);
      caller.abort(new Error('caller left'));
      await assert.rejects(call, /caller left/);
    }
    assert.equal(guard.state, 'closed');
  });

  it('holds calls beyond maxConcurrency in line until a slot is free', async () => {
    const { guard } = guarded({ maxConcurrency: 1 });
    const outer = new AbortController().signal;
    const order: string[] = [];
    let releaseFirst!: () => void;
    const first = guard.run(outer, () => new Promise<void>((resolve) => (releaseFirst = resolve)).then(() => order.push('first')));
    const second = guard.run(outer, async () => order.push('second'));
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(order, [], 'the second call waits for the first');
    releaseFirst();
    await Promise.all([first, second]);
    assert.deepEqual(order, ['first', 'second']);
  });
});
