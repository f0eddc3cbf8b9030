import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { PoolSizer } from '../../src/runtime/pool-size.js';

/** A sizer on a clock the test moves. */
function sizerAt(bounds: { min: number; max: number }) {
  const clock = { now: 0 };
  return { sizer: new PoolSizer(bounds, () => clock.now), clock };
}

describe('warm pool sizing from the arrival rate of new sessions', () => {
  it('keeps the minimum while no sessions arrive', () => {
    const { sizer } = sizerAt({ min: 2, max: 16 });
    assert.equal(sizer.target, 2);
  });

  it('grows to rate × start time under a steady stream, within the maximum', () => {
    const { sizer, clock } = sizerAt({ min: 1, max: 16 });
    // 10 new sessions a second for five minutes: the rate converges on 10/s.
    for (let arrival = 0; arrival < 3000; arrival++) {
      clock.now += 100;
      sizer.arrived();
    }
    assert.ok(Math.abs(sizer.arrivalsPerSecond - 10) < 0.2, `rate ${sizer.arrivalsPerSecond}`);
    for (let start = 0; start < 20; start++) sizer.started(600);
    assert.equal(sizer.target, 6);
    const { sizer: capped, clock: cappedClock } = sizerAt({ min: 1, max: 4 });
    for (let arrival = 0; arrival < 3000; arrival++) {
      cappedClock.now += 100;
      capped.arrived();
    }
    assert.equal(capped.target, 4);
  });

  it('counts a start as taking at least the floor, however fast a process reports it spawned', () => {
    const { sizer, clock } = sizerAt({ min: 0, max: 64 });
    for (let arrival = 0; arrival < 3000; arrival++) {
      clock.now += 50;
      sizer.arrived();
    }
    for (let start = 0; start < 50; start++) sizer.started(3);
    assert.equal(sizer.target, 10);
  });

  it('shrinks back to the minimum once arrivals stop', () => {
    const { sizer, clock } = sizerAt({ min: 2, max: 32 });
    for (let arrival = 0; arrival < 3000; arrival++) {
      clock.now += 50;
      sizer.arrived();
    }
    const busy = sizer.target;
    assert.ok(busy > 2, `busy target ${busy}`);
    clock.now += 60_000;
    assert.ok(sizer.target < busy && sizer.target > 2, `a minute later ${sizer.target}`);
    clock.now += 10 * 60_000;
    assert.equal(sizer.target, 2);
  });
});
