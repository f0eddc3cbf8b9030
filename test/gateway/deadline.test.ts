// The gateway's call deadline must fire even when nothing but the joined signal's listener refers to it: on Node 20,
// AbortSignal.any([signal, AbortSignal.timeout(ms)]) loses such a timeout to garbage collection (nodejs/node#57736).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { setTimeout as sleep } from 'node:timers/promises';
import { Deadline } from '../../src/gateway/deadline.js';

setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

describe('Deadline', () => {
  it('aborts at its time limit with a TimeoutError after a garbage collection, and with an outer signal before it', async () => {
    const seen: string[] = [];
    // Nothing but the timer and the listener's closure refers to the deadline or its outer signal, as when a caller's
    // request object is gone; AbortSignal.any([outer, AbortSignal.timeout(80)]) never fires here on Node 20.
    (() => {
      const outer = new AbortController();
      new Deadline(80, outer.signal).signal.addEventListener('abort', (event) => seen.push(((event.target as AbortSignal).reason as DOMException).name), {
        once: true,
      });
    })();
    await sleep(20);
    for (let i = 0; i < 5; i++) collectGarbage();
    await sleep(250);
    assert.deepEqual(seen, ['TimeoutError']);

    const outer = new AbortController();
    const cancelled = new Deadline(60_000, outer.signal);
    outer.abort(new Error('caller left'));
    assert.equal(cancelled.signal.aborted, true);
    assert.equal(cancelled.expired.aborted, false, 'a cancellation is not a timeout');
    cancelled.clear();
  });

  it('stops its clock when cleared', async () => {
    const deadline = new Deadline(30);
    deadline.clear();
    await sleep(100);
    assert.equal(deadline.signal.aborted, false);
  });
});
