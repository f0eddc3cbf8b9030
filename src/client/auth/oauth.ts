import {
  ClientCredentialsProvider,
  discoverOAuthServerInfo,
  exchangeAuthorization,
  fetchToken,
  refreshAuthorization,
  startAuthorization,
  type AuthorizationServerMetadata,
  type FetchLike,
  type OAuthClientInformationMixed,
  type OAuthTokens,
} from '@modelcontextprotocol/client';
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { ClientAuthError, required, type AuthOptions } from './types.js';
import type { TokenSet } from './token-cache.js';
import { presentAuthorizationUrl, startLoopback } from './loopback.js';

/** The discovery fields Toolport relies on (RFC 8414 / OpenID Connect Discovery 1.0 §3). */
const discoverySchema = z
  .object({
    issuer: z.string().url(),
    token_endpoint: z.string().url(),
    authorization_endpoint: z.string().url().optional(),
    registration_endpoint: z.string().url().optional(),
    response_types_supported: z.array(z.string()).optional(),
  })
  .passthrough();

/** Fetches and checks an issuer's discovery document. */
export async function discoverIssuer(discoveryUrl: string, fetchFn: FetchLike = fetch): Promise<AuthorizationServerMetadata> {
  let response: Response;
  try {
    response = await fetchFn(discoveryUrl, { headers: { accept: 'application/json' }, signal: AbortSignal.timeout(15_000) });
  } catch (error) {
    throw new ClientAuthError('discovery_failed', `cannot reach the discovery URL ${discoveryUrl} (${(error as Error).message}) — check --discovery-url`);
  }
  if (!response.ok)
    throw new ClientAuthError(
      'discovery_failed',
      `${response.status} from ${discoveryUrl} — is --discovery-url the issuer's .well-known/openid-configuration?`,
    );
  const parsed = discoverySchema.safeParse(await response.json().catch(() => undefined));
  if (!parsed.success)
    throw new ClientAuthError('discovery_failed', `${discoveryUrl} is not an OAuth/OpenID discovery document (needs issuer and token_endpoint)`);
  return { response_types_supported: ['code'], ...parsed.data } as AuthorizationServerMetadata;
}

/** The issuer's metadata from `--discovery-url`, or a minimal one around `--token-url`. */
export async function issuerMetadata(options: AuthOptions): Promise<AuthorizationServerMetadata> {
  if (options.discoveryUrl) return discoverIssuer(options.discoveryUrl, options.fetch);
  if (options.tokenUrl) {
    const tokenUrl = new URL(options.tokenUrl);
    return { issuer: tokenUrl.origin, token_endpoint: tokenUrl.href, response_types_supported: ['code'] } as AuthorizationServerMetadata;
  }
  throw new ClientAuthError('missing_option', `--auth ${options.mode} needs --discovery-url (or --token-url for m2m)`);
}

function clientInformation(options: AuthOptions): OAuthClientInformationMixed {
  return { client_id: required(options.clientId, '--client-id', options.mode), ...(options.clientSecret ? { client_secret: options.clientSecret } : {}) };
}

/** Turns a token endpoint answer into what the cache keeps. */
export function tokenSetFrom(tokens: OAuthTokens, issuer: string, clientId: string, now: number, previous?: TokenSet): TokenSet {
  return {
    accessToken: tokens.access_token,
    tokenType: tokens.token_type,
    ...(tokens.refresh_token ? { refreshToken: tokens.refresh_token } : previous?.refreshToken ? { refreshToken: previous.refreshToken } : {}),
    ...(tokens.expires_in !== undefined ? { expiresAt: now + tokens.expires_in * 1000 } : {}),
    ...(tokens.scope ? { scope: tokens.scope } : previous?.scope ? { scope: previous.scope } : {}),
    issuer,
    clientId,
  };
}

/** Wraps a token endpoint refusal into an error naming the issuer, the OAuth error and the fix. */
function tokenRequestFailed(issuer: string, what: string, error: unknown, fix: string): ClientAuthError {
  const oauth = error as { code?: string; message?: string };
  const detail = oauth.code ? `${oauth.code}${oauth.message && oauth.message !== oauth.code ? `: ${oauth.message}` : ''}` : (oauth.message ?? String(error));
  return new ClientAuthError('token_request_failed', `${what} refused by issuer ${issuer} (${detail}) — ${fix}`);
}

/**
 * `m2m` against an MCP endpoint without `--discovery-url` or `--token-url`: the authorization server its RFC 9728
 * protected-resource metadata names (the MCP client-credentials extension, SEP-1046), and the resource it says it is.
 */
async function endpointIssuer(serverUrl: URL, fetchFn: FetchLike | undefined): Promise<{ metadata: AuthorizationServerMetadata; resource?: string }> {
  const fix = 'pass --discovery-url or --token-url';
  let info: Awaited<ReturnType<typeof discoverOAuthServerInfo>>;
  try {
    info = await discoverOAuthServerInfo(serverUrl, fetchFn ? { fetchFn } : {});
  } catch (error) {
    throw new ClientAuthError('discovery_failed', `cannot discover the authorization server of ${serverUrl.href} (${(error as Error).message}) — ${fix}`);
  }
  if (!info.authorizationServerMetadata)
    throw new ClientAuthError('discovery_failed', `${serverUrl.href} names no authorization server that publishes metadata — ${fix}`);
  return { metadata: info.authorizationServerMetadata, ...(info.resourceMetadata?.resource ? { resource: info.resourceMetadata.resource } : {}) };
}

/**
 * `m2m`: the client credentials grant (RFC 6749 §4.4), client authenticated as the issuer advertises. The issuer is
 * `--discovery-url`/`--token-url`, else the one the MCP endpoint `serverUrl` names.
 */
export async function clientCredentialsGrant(options: AuthOptions, now: number, serverUrl?: URL): Promise<TokenSet> {
  const explicit = options.discoveryUrl || options.tokenUrl || !serverUrl;
  const { metadata, resource } = explicit ? { metadata: await issuerMetadata(options), resource: undefined } : await endpointIssuer(serverUrl, options.fetch);
  const resourceIndicator = options.resource ?? resource;
  const clientId = required(options.clientId, '--client-id', 'm2m');
  const provider = new ClientCredentialsProvider({
    clientId,
    clientSecret: required(options.clientSecret, '--client-secret (or env TOOLPORT_CLIENT_SECRET)', 'm2m'),
    expectedIssuer: metadata.issuer,
    ...(options.scope ? { scope: options.scope } : {}),
  });
  try {
    const tokens = await fetchToken(provider, metadata.issuer, {
      metadata,
      ...(options.scope ? { scope: options.scope } : {}),
      ...(resourceIndicator ? { resource: new URL(resourceIndicator) } : {}),
      ...(options.fetch ? { fetchFn: options.fetch } : {}),
    });
    return tokenSetFrom(tokens, metadata.issuer, clientId, now);
  } catch (error) {
    throw tokenRequestFailed(metadata.issuer, 'client credentials', error, 'check --client-id, --client-secret and --scope');
  }
}

/** The refresh_token grant (RFC 6749 §6); the issuer may rotate the refresh token. */
export async function refreshGrant(options: AuthOptions, current: TokenSet, now: number): Promise<TokenSet> {
  const metadata = await issuerMetadata(options);
  try {
    const tokens = await refreshAuthorization(metadata.issuer, {
      metadata,
      clientInformation: clientInformation(options),
      refreshToken: required(current.refreshToken, 'a refresh token', options.mode),
      ...(options.resource ? { resource: new URL(options.resource) } : {}),
      ...(options.fetch ? { fetchFn: options.fetch } : {}),
    });
    return tokenSetFrom(tokens, metadata.issuer, current.clientId, now, current);
  } catch (error) {
    throw tokenRequestFailed(metadata.issuer, 'token refresh', error, 'sign in again with `toolport login`');
  }
}

/** `oauth`: authorization code + PKCE (RFC 7636) in the user's browser, the code caught by a loopback server (RFC 8252 §7.3). */
export async function browserLogin(options: AuthOptions, now: () => number): Promise<TokenSet> {
  const metadata = await issuerMetadata(options);
  const client = clientInformation(options);
  const state = randomBytes(16).toString('base64url');
  const loopback = await startLoopback(options.redirectUri, state);
  try {
    const { authorizationUrl, codeVerifier } = await startAuthorization(metadata.issuer, {
      metadata,
      clientInformation: client,
      redirectUrl: loopback.redirectUrl,
      state,
      ...(options.scope ? { scope: options.scope } : {}),
      ...(options.resource ? { resource: new URL(options.resource) } : {}),
    });
    await presentAuthorizationUrl(authorizationUrl, options);
    const callback = await loopback.waitForCode(options.loginTimeoutMs);
    try {
      const tokens = await exchangeAuthorization(metadata.issuer, {
        metadata,
        clientInformation: client,
        authorizationCode: callback.code,
        ...(callback.iss ? { iss: callback.iss } : {}),
        codeVerifier,
        redirectUri: loopback.redirectUrl,
        ...(options.resource ? { resource: new URL(options.resource) } : {}),
        ...(options.fetch ? { fetchFn: options.fetch } : {}),
      });
      return tokenSetFrom(tokens, metadata.issuer, client.client_id, now());
    } catch (error) {
      throw tokenRequestFailed(metadata.issuer, 'authorization code exchange', error, 'check --client-id and that the client allows this redirect URI');
    }
  } finally {
    await loopback.close();
  }
}
