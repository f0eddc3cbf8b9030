import type { Agent } from 'undici';
import type { FetchLike } from '@modelcontextprotocol/client';
import { connect, type Connection, type ConnectOptions } from './connect.js';
import { createCredentials, type Credentials } from './auth/credentials.js';
import { resolveTarget } from './target.js';
import type { AuthOptions } from './auth/types.js';

/** Bounds every bench request unless `--timeout` says otherwise (the seed's clients used 120 s). */
export const BENCH_TIMEOUT_MS = 120_000;

/** A target as the bench uses it: where it is and the credentials its sessions share. */
export interface BenchTarget {
  options: ConnectOptions;
  url: URL;
  credentials: Credentials | undefined;
}

/** Resolves a target and its credentials once, so every iteration and load client shares one token. */
export function benchTarget(options: ConnectOptions): BenchTarget {
  const url = resolveTarget(options.target, options);
  const auth: AuthOptions = options.auth ?? (options.token ? { mode: 'bearer', token: options.token } : { mode: 'none' });
  return { options: { ...options, auth }, url, credentials: createCredentials(auth, url) };
}

/** A fetch on `agent`'s connection pool, which the bench controls (fresh per iteration, shared in the load phase). */
export async function fetchOn(agent: Agent): Promise<FetchLike> {
  const { fetch: undiciFetch } = await import('undici');
  return ((input: string | URL, init?: RequestInit) => undiciFetch(input, { ...(init as object), dispatcher: agent })) as unknown as FetchLike;
}

/**
 * Connect options for one bench session. The token is taken before the clock starts (renewed ahead of expiry, so a
 * long run outlives an hour-long token) and sent as a plain bearer; retries are off, since a retry would hide a
 * failure inside a timing.
 */
export async function sessionOptions(target: BenchTarget, agent: Agent, clientName: string): Promise<ConnectOptions> {
  const token = await target.credentials?.token();
  return {
    ...target.options,
    ...(token ? { auth: { mode: 'bearer', token } } : {}),
    clientName,
    fetch: await fetchOn(agent),
    retry: { retries: 0 },
    timeoutMs: target.options.timeoutMs ?? BENCH_TIMEOUT_MS,
  };
}

/** Opens a bench session (see {@link sessionOptions}). */
export async function openBenchSession(target: BenchTarget, agent: Agent, clientName: string): Promise<Connection> {
  return connect(await sessionOptions(target, agent, clientName));
}
