// The per-username brake on password guessing, on an injected clock.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SignInThrottle, SignInThrottled } from '../../src/identity/server/throttle.js';

test('five free failures, then locks that double up to 15 minutes; a success clears the name', () => {
  let now = 0;
  const throttle = new SignInThrottle(() => now);
  const lockedFor = (name: string): number => {
    try {
      throttle.check(name);
      return 0;
    } catch (error) {
      assert.ok(error instanceof SignInThrottled);
      return error.retryAfterSeconds;
    }
  };
  for (let i = 0; i < 5; i++) throttle.failed('Ren');
  assert.equal(lockedFor('ren'), 0, 'names compare case-insensitively, and five failures are free');
  throttle.failed('ren');
  assert.equal(lockedFor('REN'), 1);
  now += 1_000;
  assert.equal(lockedFor('ren'), 0);
  throttle.failed('ren');
  assert.equal(lockedFor('ren'), 2);
  for (let i = 0; i < 20; i++) throttle.failed('ren');
  assert.equal(lockedFor('ren'), 15 * 60, 'capped at 15 minutes');
  assert.equal(lockedFor('someone-else'), 0);
  throttle.succeeded('ren');
  assert.equal(lockedFor('ren'), 0);
});
