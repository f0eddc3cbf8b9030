import { z } from 'zod';
import { VaultError } from './errors.js';

/** How one credential provider reaches its issuer (secrets already decrypted, kept in memory only for the call). */
export interface OAuthClientSettings {
  /** The provider's name, for messages. */
  provider: string;
  discoveryUrl?: string;
  tokenUrl?: string;
  authorizationUrl?: string;
  clientId: string;
  clientSecret?: string;
  clientAuth: 'client_secret_basic' | 'client_secret_post';
}

/** A token endpoint's refusal; `oauthError` is its RFC 6749 §5.2 code (`invalid_grant`...) when it gave one. */
export class TokenEndpointError extends VaultError {
  constructor(
    message: string,
    readonly oauthError?: string,
  ) {
    super('upstream', message);
  }
}

/** An upstream issuer's tokens from one token-endpoint answer; `expiresAt` in ms since the epoch. */
export interface UpstreamTokens {
  accessToken: string;
  expiresAt: number;
  refreshToken?: string;
  scope?: string;
}

/** Injected network and clock; every call is bounded by `timeoutMs`. */
export interface HttpDeps {
  fetch: typeof fetch;
  timeoutMs: number;
  now: () => number;
}

/** RFC 6749 §5.1 leaves `expires_in` optional; without it, a token is trusted for this long only. */
const UNSTATED_LIFETIME_S = 300;

const tokenResponseSchema = z.object({
  access_token: z.string().min(1),
  token_type: z.string().refine((type) => type.toLowerCase() === 'bearer', 'only bearer tokens (RFC 6750) can be used'),
  expires_in: z.coerce.number().positive().optional(),
  refresh_token: z.string().min(1).optional(),
  scope: z.string().optional(),
});
const errorResponseSchema = z.object({ error: z.string(), error_description: z.string().optional() });
/** RFC 8414 / OpenID Connect Discovery: the two endpoints the vault uses. */
const metadataSchema = z.object({ issuer: z.string().optional(), token_endpoint: z.string().url(), authorization_endpoint: z.string().url().optional() });

/** An issuer's endpoints; `issuer` is known only from a discovery document. */
export interface IssuerEndpoints {
  issuer?: string;
  tokenUrl: string;
  authorizationUrl?: string;
}

/** The token and authorization endpoints of an issuer, from its discovery document or as configured. */
export async function resolveEndpoints(settings: OAuthClientSettings, http: HttpDeps): Promise<IssuerEndpoints> {
  if (!settings.discoveryUrl) {
    if (!settings.tokenUrl) throw new VaultError('invalid', `credential "${settings.provider}" has neither discoveryUrl nor tokenUrl`);
    return { tokenUrl: settings.tokenUrl, ...(settings.authorizationUrl ? { authorizationUrl: settings.authorizationUrl } : {}) };
  }
  let metadata: z.output<typeof metadataSchema>;
  try {
    const response = await http.fetch(settings.discoveryUrl, { headers: { accept: 'application/json' }, signal: AbortSignal.timeout(http.timeoutMs) });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    metadata = metadataSchema.parse(await response.json());
  } catch (error) {
    throw new VaultError(
      'upstream',
      `cannot read the discovery document of credential "${settings.provider}" at ${settings.discoveryUrl}: ${(error as Error).message}`,
    );
  }
  const authorizationUrl = settings.authorizationUrl ?? metadata.authorization_endpoint;
  return {
    ...(metadata.issuer ? { issuer: metadata.issuer } : {}),
    tokenUrl: settings.tokenUrl ?? metadata.token_endpoint,
    ...(authorizationUrl ? { authorizationUrl } : {}),
  };
}

/**
 * One RFC 6749 token request (§4.1.3 code, §4.4 client credentials, §6 refresh) with client authentication per
 * §2.3.1. Errors name the provider and the issuer's error code, never a secret or token.
 */
export async function requestToken(settings: OAuthClientSettings, tokenUrl: string, grant: Record<string, string>, http: HttpDeps): Promise<UpstreamTokens> {
  const form = new URLSearchParams(grant);
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' };
  if (settings.clientSecret && settings.clientAuth === 'client_secret_basic') {
    // §2.3.1: id and secret are form-urlencoded before being joined and base64-encoded.
    const encode = (value: string): string => new URLSearchParams({ v: value }).toString().slice(2);
    headers.authorization = `Basic ${Buffer.from(`${encode(settings.clientId)}:${encode(settings.clientSecret)}`).toString('base64')}`;
  } else {
    form.set('client_id', settings.clientId);
    if (settings.clientSecret) form.set('client_secret', settings.clientSecret);
  }
  const what = `the token endpoint of credential "${settings.provider}" (${tokenUrl})`;
  let response: Response;
  let body: unknown;
  try {
    response = await http.fetch(tokenUrl, { method: 'POST', headers, body: form.toString(), signal: AbortSignal.timeout(http.timeoutMs) });
    body = await response.json().catch(() => undefined);
  } catch (error) {
    throw new VaultError('upstream', `cannot reach ${what}: ${(error as Error).message}`);
  }
  if (!response.ok) {
    const refusal = errorResponseSchema.safeParse(body);
    const reason = refusal.success
      ? `${refusal.data.error}${refusal.data.error_description ? ` (${refusal.data.error_description})` : ''}`
      : `HTTP ${response.status}`;
    throw new TokenEndpointError(`${what} refused the ${grant.grant_type} grant: ${reason}`, refusal.success ? refusal.data.error : undefined);
  }
  const parsed = tokenResponseSchema.safeParse(body);
  if (!parsed.success)
    throw new VaultError('upstream', `${what} answered without a usable bearer token: ${parsed.error.issues[0]?.message ?? 'unexpected body'}`);
  const { access_token, expires_in, refresh_token, scope } = parsed.data;
  return {
    accessToken: access_token,
    expiresAt: http.now() + (expires_in ?? UNSTATED_LIFETIME_S) * 1000,
    ...(refresh_token ? { refreshToken: refresh_token } : {}),
    ...(scope !== undefined ? { scope } : {}),
  };
}
