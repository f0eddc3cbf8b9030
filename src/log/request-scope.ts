// The request a piece of work is done for, carried across a hand-off inside this process (a gateway handler calling a
// runtime in process), so that one request keeps the one id the edge gave it in every log line and error answer.
import { AsyncLocalStorage } from 'node:async_hooks';

const scope = new AsyncLocalStorage<string>();

/** Runs `work` for the request `requestId`; what it starts in this process reads the id with `scopedRequestId`. */
export function withRequestId<T>(requestId: string, work: () => T): T {
  return scope.run(requestId, work);
}

/** The id of the request the current work is done for, when a caller in this process named one. */
export function scopedRequestId(): string | undefined {
  return scope.getStore();
}
