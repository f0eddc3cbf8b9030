import { ToolportError } from '../../errors/index.js';

/** Failed sign-ins allowed per username before it is locked for a while. */
const FREE_FAILURES = 5;
const BASE_LOCK_MS = 1_000;
const MAX_LOCK_MS = 15 * 60_000;
/** Bound on remembered usernames; the oldest entry goes first. */
const MAX_TRACKED = 10_000;

/** A sign-in refused because the username has failed too often lately; `retryAfterSeconds` says when to try again. */
export class SignInThrottled extends ToolportError<'sign_in_throttled'> {
  declare readonly retryAfterSeconds: number;

  constructor(retryAfterSeconds: number, message = `too many failed sign-ins; try again in ${retryAfterSeconds} s`) {
    super('sign_in_throttled', message, { retryAfterSeconds });
  }
}

/**
 * Password guessing brake, per username (as Cognito's "Password attempts exceeded"): after five failures in a row
 * each further failure locks the name for twice as long as the last (1 s, 2 s, ... up to 15 minutes); a success
 * clears it. In memory: a restart forgets, which only ever loosens the brake.
 */
export class SignInThrottle {
  private readonly failures = new Map<string, { count: number; lockedUntil: number }>();

  constructor(private readonly now: () => number = Date.now) {}

  private key(username: string): string {
    return username.toLowerCase();
  }

  /** Throws SignInThrottled while `username` is locked. */
  check(username: string): void {
    const entry = this.failures.get(this.key(username));
    const wait = entry ? entry.lockedUntil - this.now() : 0;
    if (wait > 0) throw new SignInThrottled(Math.ceil(wait / 1000));
  }

  failed(username: string): void {
    const key = this.key(username);
    const count = (this.failures.get(key)?.count ?? 0) + 1;
    const lockMs = count > FREE_FAILURES ? Math.min(MAX_LOCK_MS, BASE_LOCK_MS * 2 ** (count - FREE_FAILURES - 1)) : 0;
    this.failures.delete(key); // re-insert so the map's order is by last failure
    if (this.failures.size >= MAX_TRACKED) this.failures.delete(this.failures.keys().next().value as string);
    this.failures.set(key, { count, lockedUntil: this.now() + lockMs });
  }

  succeeded(username: string): void {
    this.failures.delete(this.key(username));
  }
}
