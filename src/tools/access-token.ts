/**
 * Outbound credentials for tool authors, mirroring AgentCore's `@requires_access_token` / `@requires_api_key`.
 * Tools run in worker processes, so they reach Identity's vault over HTTP with the workload token the runtime host
 * gave their worker; the vault checks which runtime the token belongs to and which credentials that runtime may use.
 */
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';

/** The vault's workload endpoint, set by the runtime host in every worker's environment. */
export const VAULT_URL_ENV = 'TOOLPORT_VAULT_URL';
/** The worker's workload token: names its runtime to the vault (not a credential for anything else). */
export const WORKLOAD_TOKEN_ENV = 'TOOLPORT_WORKLOAD_TOKEN';
/**
 * The file in the worker's HOME (mode 0600) holding the random credential the runtime host wrote at spawn. The vault
 * finds the session (and so the caller) a worker serves by it: unlike a pid, a tool cannot claim another worker's.
 */
export const WORKER_CREDENTIAL_FILE = '.toolport-worker-credential';
/** The header that carries the worker credential to the vault. */
export const WORKER_CREDENTIAL_HEADER = 'x-toolport-worker-credential';

/** The worker credential, or undefined outside a Toolport worker (the vault then refuses `user` tokens). */
async function workerCredential(): Promise<string | undefined> {
  try {
    return (await readFile(join(homedir(), WORKER_CREDENTIAL_FILE), 'utf8')).trim() || undefined;
  } catch {
    return undefined;
  }
}

/** Why a credential could not be had; `authorizationUrl` is set when a user must first grant access. */
export class CredentialError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly authorizationUrl?: string,
  ) {
    super(message);
  }
}

/** Which token a tool needs: `m2m` (client credentials) or `user` (acting for a user who consented). */
export interface AccessTokenOptions {
  provider: string;
  scopes?: string[];
  flow: 'm2m' | 'user';
  /**
   * For `user` in a runtime without inbound auth: whose consent to use. In an authenticated runtime the vault uses
   * the session's caller and refuses any other user.
   */
  userId?: string;
}

async function askVault(path: string, body: unknown): Promise<Record<string, unknown>> {
  const base = process.env[VAULT_URL_ENV];
  const token = process.env[WORKLOAD_TOKEN_ENV];
  if (!base || !token) {
    throw new CredentialError(
      'no_vault',
      `${VAULT_URL_ENV} and ${WORKLOAD_TOKEN_ENV} are not set: credentials are available to tools hosted by a Toolport runtime`,
    );
  }
  const credential = await workerCredential();
  let response: Response;
  try {
    response = await fetch(`${base}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...(credential ? { [WORKER_CREDENTIAL_HEADER]: credential } : {}) },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(30_000),
    });
  } catch (error) {
    throw new CredentialError('vault_unreachable', `cannot reach Toolport's vault at ${base}: ${(error as Error).message}`);
  }
  const answer = (await response.json().catch(() => ({}))) as Record<string, unknown>;
  if (!response.ok) {
    const error = (answer.error ?? {}) as { code?: string; message?: string; authorizationUrl?: string };
    throw new CredentialError(error.code ?? 'vault_error', error.message ?? `the vault answered HTTP ${response.status}`, error.authorizationUrl);
  }
  return answer;
}

/** Runs `fn` with an access token from the vault; for `flow: 'user'` without consent, throws with `authorizationUrl`. */
export async function withAccessToken<T>(options: AccessTokenOptions, fn: (accessToken: string) => T | Promise<T>): Promise<T> {
  const { accessToken } = await askVault('/v1/access-token', options);
  return fn(String(accessToken));
}

/** Runs `fn` with the value of an API-key credential from the vault. */
export async function withApiKey<T>(options: { provider: string }, fn: (apiKey: string) => T | Promise<T>): Promise<T> {
  const { apiKey } = await askVault('/v1/api-key', options);
  return fn(String(apiKey));
}
