import { createHmac, randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { SignInThrottled } from './throttle.js';

/** scrypt's work factors: CPU/memory cost `N` (a power of two), block size `r`, parallelism `p`. */
export interface ScryptCost {
  N: number;
  r: number;
  p: number;
}

/**
 * scrypt at OWASP's recommended cost (N=2^17, r=8, p=1: 128 MiB, memory-hard). The parameters are stored with each
 * hash, so raising them later leaves existing hashes verifiable.
 */
export const DEFAULT_SCRYPT_COST: ScryptCost = Object.freeze({ N: 2 ** 17, r: 8, p: 1 });
const KEY_BYTES = 32;
const SALT_BYTES = 16;

/**
 * Each derivation holds 128 MiB, so a burst of sign-in attempts must not run them all at once (memory exhaustion);
 * callers beyond this many wait their turn.
 */
const MAX_CONCURRENT = 2;
/**
 * Checks beyond this many waiting fail at once (429, retry in a second) instead of queueing: a burst of wrong
 * passwords must not make every sign-in behind it wait seconds.
 */
const MAX_WAITING_CHECKS = 8;
let running = 0;
const waiting: (() => void)[] = [];

async function acquire(check: boolean): Promise<void> {
  if (running < MAX_CONCURRENT) {
    running++;
    return;
  }
  if (check && waiting.length >= MAX_WAITING_CHECKS) throw new SignInThrottled(1, 'too many sign-ins are being checked right now; try again in 1 s');
  await new Promise<void>((resolve) => waiting.push(resolve));
}

/** Hands the slot straight to the next waiter, so no newcomer can slip in between. */
function release(): void {
  const next = waiting.shift();
  if (next) next();
  else running--;
}

async function derive(secret: string, salt: Buffer, cost: ScryptCost, check = false): Promise<Buffer> {
  const options: ScryptOptions = { ...cost, maxmem: 256 * cost.N * cost.r + 16 * 1024 * 1024 };
  await acquire(check);
  try {
    return await new Promise((resolve, reject) =>
      scrypt(secret.normalize('NFKC'), salt, KEY_BYTES, options, (error, key) => (error ? reject(error) : resolve(key))),
    );
  } finally {
    release();
  }
}

/**
 * Hashes a password or client secret: `scrypt$N$r$p$salt$hash` (base64url parts). Only tests pass a `cost` below the
 * default (through the platform's `scryptCost`), to keep sign-ins fast.
 */
export async function hashSecret(secret: string, cost: ScryptCost = DEFAULT_SCRYPT_COST): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  const key = await derive(secret, salt, cost);
  return ['scrypt', cost.N, cost.r, cost.p, salt.toString('base64url'), key.toString('base64url')].join('$');
}

/**
 * True when `secret` matches a hash made by `hashSecret`; false for any malformed hash. Constant-time compare.
 * With `failFast`, throws SignInThrottled when too many checks already wait for the KDF.
 */
export async function verifySecret(secret: string, stored: string, failFast = true): Promise<boolean> {
  const [scheme, n, r, p, salt, hash] = stored.split('$');
  if (scheme !== 'scrypt' || !salt || !hash) return false;
  const expected = Buffer.from(hash, 'base64url');
  const actual = await derive(secret, Buffer.from(salt, 'base64url'), { N: Number(n), r: Number(r), p: Number(p) }, failFast);
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

/** Scheme tag of a client-secret digest made by `digestClientSecret`. */
const HMAC_SCHEME = 'hmac-sha256';

/**
 * Client secrets are checked with HMAC-SHA-256 keyed by a platform secret, not scrypt. A slow KDF protects guessable
 * passwords; a client secret is a random value (generated with 256 bits, or given with at least 16 characters), so
 * no work factor is needed against guessing, and without the key (derived from the master key, which also opens every
 * sealed secret) a copy of the store allows no offline guess at all. It makes every check microseconds: wrong secrets
 * cannot queue up legitimate token requests behind scrypt, and known and unknown client ids answer alike.
 */
export function digestClientSecret(secret: string, key: Buffer): string {
  return `${HMAC_SCHEME}$${createHmac('sha256', key).update(secret, 'utf8').digest('base64url')}`;
}

/** True when `stored` is a digest from `digestClientSecret` (else a legacy scrypt hash, upgraded on its next success). */
export function isClientSecretDigest(stored: string): boolean {
  return stored.startsWith(`${HMAC_SCHEME}$`);
}

/** Constant-time check of a presented client secret against its digest. */
export function verifyClientSecretDigest(secret: string, stored: string, key: Buffer): boolean {
  const expected = Buffer.from(stored);
  const actual = Buffer.from(digestClientSecret(secret, key));
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

/** A new random secret for a client: 256 bits, base64url. */
export function generateSecret(): string {
  return randomBytes(32).toString('base64url');
}
