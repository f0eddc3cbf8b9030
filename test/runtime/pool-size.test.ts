import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { PoolSizer } from '../../src/runtime/pool-size.js';

/** A sizer on a clock the test moves. */
function sizerAt(bounds: { min: number; max: number }) {
  const clock = { now: 0 };
  const sizer = new PoolSizer(bounds, () => clock.now);
  /** `count` new sessions, one every `everyMs` of the sizer's clock. */
  const arrive = (count: number, everyMs: number): void => {
    for (let arrival = 0; arrival < count; arrival++) {
      clock.now += everyMs;
      sizer.arrived();
    }
  };
  return { sizer, clock, arrive };
}

describe('warm pool sizing from the arrival rate of new sessions', () => {
  it('keeps the minimum while no sessions arrive', () => {
    const { sizer } = sizerAt({ min: 2, max: 16 });
    assert.equal(sizer.target, 2);
  });

  it('grows to rate × start time under a steady stream, within the maximum', () => {
    const { sizer, arrive } = sizerAt({ min: 1, max: 16 });
    // 10 new sessions a second for five minutes: the rate converges on 10/s.
    arrive(3000, 100);
    assert.ok(Math.abs(sizer.arrivalsPerSecond - 10) < 0.2, `rate ${sizer.arrivalsPerSecond}`);
    for (let start = 0; start < 20; start++) sizer.started(600);
    assert.equal(sizer.target, 6);
    const { sizer: capped, arrive: arriveCapped } = sizerAt({ min: 1, max: 4 });
    arriveCapped(3000, 100);
    assert.equal(capped.target, 4);
  });

  it('counts a start as taking at least the floor, however fast a process reports it spawned', () => {
    const { sizer, arrive } = sizerAt({ min: 0, max: 64 });
    arrive(3000, 50);
    for (let start = 0; start < 50; start++) sizer.started(3);
    assert.equal(sizer.target, 10);
  });

  it('shrinks back to the minimum once arrivals stop', () => {
    const { sizer, clock, arrive } = sizerAt({ min: 2, max: 32 });
    arrive(3000, 50);
    const busy = sizer.target;
    assert.ok(busy > 2, `busy target ${busy}`);
    clock.now += 60_000;
    assert.ok(sizer.target < busy && sizer.target > 2, `a minute later ${sizer.target}`);
    clock.now += 10 * 60_000;
    assert.equal(sizer.target, 2);
  });
});
