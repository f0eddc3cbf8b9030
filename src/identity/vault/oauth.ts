import * as oauth from 'oauth4webapi';
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

/** Tokens from one token-endpoint answer; `expiresAt` in ms since the epoch. */
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

/** An issuer as oauth4webapi takes it: its metadata, from its discovery document or as configured. */
export interface Issuer {
  server: oauth.AuthorizationServer;
  /**
   * False when configured without a discovery document: `server.issuer` is then a stand-in (oauth4webapi needs one;
   * it compares it only with an ID token's `iss`, which plain OAuth 2.0 issuers without metadata do not send), and an
   * authorization response's `iss` cannot be checked (RFC 9207 §2.4).
   */
  discovered: boolean;
}

/** RFC 6749 §5.1 leaves `expires_in` optional; without it, a token is trusted for this long only. */
const UNSTATED_LIFETIME_S = 300;

const OIDC_WELL_KNOWN = '/.well-known/openid-configuration';
const OAUTH_WELL_KNOWN = '/.well-known/oauth-authorization-server';

/** RFC 6749 §5.2, for the body behind a WWW-Authenticate challenge, which oauth4webapi does not read. */
const errorResponseSchema = z.object({ error: z.string(), error_description: z.string().optional() });

/** The options every request takes: the injected fetch, one timeout per request, and http:// issuers. */
function requestOptions(http: HttpDeps): { signal: () => AbortSignal; [oauth.customFetch]: typeof fetch; [oauth.allowInsecureRequests]: true } {
  return {
    signal: () => AbortSignal.timeout(http.timeoutMs),
    [oauth.customFetch]: http.fetch,
    // The vault has always taken http:// issuers (local ones, tests); oauth4webapi refuses them unless told.
    [oauth.allowInsecureRequests]: true,
  };
}

const clientOf = (settings: OAuthClientSettings): oauth.Client => ({ client_id: settings.clientId });

/** RFC 6749 §2.3.1: HTTP Basic or the form body; a public client sends only its id. */
function clientAuthOf(settings: OAuthClientSettings): oauth.ClientAuth {
  if (!settings.clientSecret) return oauth.None();
  return settings.clientAuth === 'client_secret_post' ? oauth.ClientSecretPost(settings.clientSecret) : oauth.ClientSecretBasic(settings.clientSecret);
}

/**
 * The issuer a provider's discovery URL belongs to: `{issuer}/.well-known/openid-configuration` (OpenID Connect
 * Discovery §4) or `{origin}/.well-known/oauth-authorization-server{path}` (RFC 8414 §3.1); throws `invalid` for any
 * other URL. oauth4webapi discovers from the issuer, so that the document's `issuer` is checked (RFC 8414 §3.3).
 */
export function discoverySource(provider: string, discoveryUrl: string): { issuer: URL; algorithm: 'oidc' | 'oauth2' } {
  const url = new URL(discoveryUrl);
  if (!url.search && !url.hash) {
    if (url.pathname.endsWith(OIDC_WELL_KNOWN))
      return { issuer: new URL(url.pathname.slice(0, -OIDC_WELL_KNOWN.length) || '/', url.origin), algorithm: 'oidc' };
    if (url.pathname === OAUTH_WELL_KNOWN || url.pathname.startsWith(`${OAUTH_WELL_KNOWN}/`))
      return { issuer: new URL(url.pathname.slice(OAUTH_WELL_KNOWN.length) || '/', url.origin), algorithm: 'oauth2' };
  }
  throw new VaultError(
    'invalid',
    `credential "${provider}" has discoveryUrl ${discoveryUrl}, which is neither {issuer}${OIDC_WELL_KNOWN} nor {origin}${OAUTH_WELL_KNOWN}{path}; give that, or tokenUrl`,
  );
}

/** The issuer's metadata from its discovery document (endpoints given in the settings win), or the configured endpoints. */
export async function resolveIssuer(settings: OAuthClientSettings, http: HttpDeps): Promise<Issuer> {
  const configured = {
    ...(settings.tokenUrl ? { token_endpoint: settings.tokenUrl } : {}),
    ...(settings.authorizationUrl ? { authorization_endpoint: settings.authorizationUrl } : {}),
  };
  if (!settings.discoveryUrl) {
    if (!settings.tokenUrl) throw new VaultError('invalid', `credential "${settings.provider}" has neither discoveryUrl nor tokenUrl`);
    return { server: { issuer: new URL(settings.tokenUrl).origin, ...configured }, discovered: false };
  }
  const source = discoverySource(settings.provider, settings.discoveryUrl);
  let server: oauth.AuthorizationServer;
  try {
    const response = await oauth.discoveryRequest(source.issuer, { algorithm: source.algorithm, ...requestOptions(http) });
    if (response.status !== 200) throw new Error(`HTTP ${response.status}`); // a redirect too: it is not followed
    server = { ...(await oauth.processDiscoveryResponse(source.issuer, response)), ...configured };
    if (!server.token_endpoint) throw new Error('it names no token_endpoint');
  } catch (error) {
    throw new VaultError(
      'upstream',
      `cannot read the discovery document of credential "${settings.provider}" at ${settings.discoveryUrl}: ${(error as Error).message}`,
    );
  }
  return { server, discovered: true };
}

/** RFC 6749 §4.4: a token for the client itself. */
export async function clientCredentialsGrant(settings: OAuthClientSettings, issuer: Issuer, scopes: string[], http: HttpDeps): Promise<UpstreamTokens> {
  const client = clientOf(settings);
  return tokenRequest(
    settings,
    issuer,
    'client_credentials',
    http,
    () =>
      oauth.clientCredentialsGrantRequest(
        issuer.server,
        client,
        clientAuthOf(settings),
        scopes.length ? { scope: scopes.join(' ') } : {},
        requestOptions(http),
      ),
    (response) => oauth.processClientCredentialsResponse(issuer.server, client, response),
  );
}

/** RFC 6749 §6: new tokens for a user's stored refresh token. */
export async function refreshTokenGrant(settings: OAuthClientSettings, issuer: Issuer, refreshToken: string, http: HttpDeps): Promise<UpstreamTokens> {
  const client = clientOf(settings);
  return tokenRequest(
    settings,
    issuer,
    'refresh_token',
    http,
    () => oauth.refreshTokenGrantRequest(issuer.server, client, clientAuthOf(settings), refreshToken, requestOptions(http)),
    (response) => oauth.processRefreshTokenResponse(issuer.server, client, response),
  );
}

/** What the issuer sent the user back with, and what the vault kept when it sent them there. */
export interface AuthorizationCallback {
  state: string;
  code: string;
  iss?: string;
  redirectUri: string;
  codeVerifier: string;
}

/**
 * RFC 6749 §4.1.3 with PKCE (RFC 7636): exchanges a callback's code. The callback is checked first: RFC 9207 makes an
 * answer naming another issuer a mix-up attempt, whose code must not go to this token endpoint.
 */
export async function authorizationCodeGrant(
  settings: OAuthClientSettings,
  issuer: Issuer,
  callback: AuthorizationCallback,
  http: HttpDeps,
): Promise<UpstreamTokens> {
  const client = clientOf(settings);
  const parameters = new URLSearchParams({ state: callback.state, code: callback.code });
  if (callback.iss !== undefined && issuer.discovered) parameters.set('iss', callback.iss);
  let validated: URLSearchParams;
  try {
    // The state was matched already (it is stored hashed), so it is the expected one here.
    validated = oauth.validateAuthResponse(issuer.server, client, parameters, callback.state);
  } catch (error) {
    if (!(error instanceof oauth.OperationProcessingError)) throw error;
    const expected = `${issuer.server.issuer} of credential "${settings.provider}"`;
    const reason =
      callback.iss === undefined ? `names no issuer, though ${expected} says it always does` : `comes from issuer ${callback.iss}, not from ${expected}`;
    throw new VaultError('forbidden', `the authorization response ${reason}`);
  }
  return tokenRequest(
    settings,
    issuer,
    'authorization_code',
    http,
    () =>
      oauth.authorizationCodeGrantRequest(
        issuer.server,
        client,
        clientAuthOf(settings),
        validated,
        callback.redirectUri,
        callback.codeVerifier,
        requestOptions(http),
      ),
    (response) => oauth.processAuthorizationCodeResponse(issuer.server, client, response),
  );
}

/**
 * One token request and its answer. Errors name the provider, the endpoint and the issuer's error code, never a secret
 * or token: oauth4webapi's errors carry the response body as their `cause`, so only their messages are kept.
 */
async function tokenRequest(
  settings: OAuthClientSettings,
  issuer: Issuer,
  grantType: string,
  http: HttpDeps,
  send: () => Promise<Response>,
  read: (response: Response) => Promise<oauth.TokenEndpointResponse>,
): Promise<UpstreamTokens> {
  const what = `the token endpoint of credential "${settings.provider}" (${issuer.server.token_endpoint})`;
  let response: Response;
  try {
    response = await send();
  } catch (error) {
    throw new VaultError('upstream', `cannot reach ${what}: ${(error as Error).message}`);
  }
  let answer: oauth.TokenEndpointResponse;
  try {
    answer = await read(response);
  } catch (error) {
    if (error instanceof oauth.ResponseBodyError) throw refusal(what, grantType, error);
    if (error instanceof oauth.WWWAuthenticateChallengeError) {
      // RFC 6749 §5.2 answers invalid_client with a challenge; oauth4webapi stops there, before the body that names it.
      const body = errorResponseSchema.safeParse(await response.json().catch(() => undefined));
      throw refusal(what, grantType, body.success ? body.data : undefined, response.status);
    }
    if (!response.ok) throw refusal(what, grantType, undefined, response.status);
    throw new VaultError('upstream', `${what} answered without a usable bearer token: ${(error as Error).message}`);
  }
  if (answer.token_type !== 'bearer')
    throw new VaultError('upstream', `${what} answered without a usable bearer token: only bearer tokens (RFC 6750) can be used`);
  return {
    accessToken: answer.access_token,
    expiresAt: http.now() + (answer.expires_in ?? UNSTATED_LIFETIME_S) * 1000,
    ...(answer.refresh_token ? { refreshToken: answer.refresh_token } : {}),
    ...(answer.scope !== undefined ? { scope: answer.scope } : {}),
  };
}

function refusal(
  what: string,
  grantType: string,
  body: { error: string; error_description?: string | undefined } | undefined,
  status?: number,
): TokenEndpointError {
  const reason = body ? `${body.error}${body.error_description ? ` (${body.error_description})` : ''}` : `HTTP ${status}`;
  return new TokenEndpointError(`${what} refused the ${grantType} grant: ${reason}`, body?.error);
}
