import { decodeJwt } from 'jose/jwt/decode';
import { clientCredentialsGrant, browserLogin, refreshGrant } from './oauth.js';
import { cognitoPasswordSignIn, cognitoPool, cognitoRefresh } from './cognito.js';
import { challengeFrom, McpOAuthProvider, type Challenge } from './mcp-provider.js';
import { TokenCache, tokenSetSchema, type TokenSet } from './token-cache.js';
import { ClientAuthError, required, type AuthOptions } from './types.js';

/** Renew a token this long before it expires, so a request never leaves with one that dies in flight. */
const EXPIRY_SKEW_MS = 60_000;

/** The token a transport sends, renewed ahead of expiry and once after a 401. */
export interface Credentials {
  /** The access token to send now; undefined when the mode sends none. */
  token(): Promise<string | undefined>;
  /** After a 401 (from `response`, when known): renew once — refresh, or run the grant again. */
  onUnauthorized?(response?: Response): Promise<void>;
  /** After a 403 `insufficient_scope` challenge: authorize again for the wider scope it names. */
  onInsufficientScope?(challenge: Challenge): Promise<void>;
  /** Obtains a fresh token even when a cached one is still valid (`toolport login`). */
  login(): Promise<{ accessToken: string; expiresAt?: number; issuer?: string; tokenType?: string; scope?: string }>;
  /** Deletes what the cache holds for this issuer, client and scopes (`toolport logout`); true when there was something. */
  forget(): Promise<boolean>;
  /** Who issues the tokens (for error messages). */
  readonly issuer: string | undefined;
}

/** When a token stops being usable: the issuer's `expires_in`, else the JWT's own `exp`. */
function expiresAt(tokens: TokenSet): number | undefined {
  if (tokens.expiresAt !== undefined) return tokens.expiresAt;
  try {
    const exp = decodeJwt(tokens.accessToken).exp;
    return exp === undefined ? undefined : exp * 1000;
  } catch {
    return undefined;
  }
}

/** A token from a grant, kept in the cache, renewed before expiry (by refresh when possible, else the grant again). */
class GrantCredentials implements Credentials {
  private current: TokenSet | undefined;
  private loaded = false;
  private inflight: Promise<TokenSet> | undefined;

  constructor(
    readonly issuer: string,
    private readonly cache: TokenCache | undefined,
    private readonly key: string,
    private readonly now: () => number,
    private readonly acquire: () => Promise<TokenSet>,
    private readonly refresh?: (current: TokenSet) => Promise<TokenSet>,
  ) {}

  async token(): Promise<string> {
    if (!this.loaded) {
      this.loaded = true;
      this.current = await this.cache?.load(this.key, tokenSetSchema);
    }
    const expiry = this.current ? expiresAt(this.current) : undefined;
    if (this.current && (expiry === undefined || expiry - EXPIRY_SKEW_MS > this.now())) return this.current.accessToken;
    return (await this.renew()).accessToken;
  }

  async onUnauthorized(): Promise<void> {
    await this.renew();
  }

  async login(): Promise<TokenSet> {
    return this.store(await this.acquire());
  }

  async forget(): Promise<boolean> {
    this.current = undefined;
    return (await this.cache?.remove(this.key)) ?? false;
  }

  /** One renewal at a time: concurrent requests that all find the token expired share it. */
  private renew(): Promise<TokenSet> {
    this.inflight ??= this.renewOnce().finally(() => {
      this.inflight = undefined;
    });
    return this.inflight;
  }

  private async renewOnce(): Promise<TokenSet> {
    const current = this.current;
    if (current?.refreshToken && this.refresh) {
      try {
        return await this.store(await this.refresh(current));
      } catch {
        // A refused refresh (revoked, rotated elsewhere, expired) falls back to the grant itself.
      }
    }
    return this.store(await this.acquire());
  }

  private async store(tokens: TokenSet): Promise<TokenSet> {
    this.current = tokens;
    await this.cache?.save(this.key, tokens);
    return tokens;
  }
}

/**
 * `mcp` mode: the SDK's `auth()` through {@link McpOAuthProvider}. The first sign-in waits for the endpoint's 401, whose
 * challenge names the protected-resource metadata and the scope (MCP authorization §Authorization Server Discovery);
 * tokens are renewed before expiry, and a 403 `insufficient_scope` steps up once to the wider scope.
 */
class McpCredentials implements Credentials {
  private inflight: Promise<void> | undefined;

  constructor(
    private readonly provider: McpOAuthProvider,
    private readonly now: () => number,
  ) {}

  get issuer(): string | undefined {
    return this.provider.current()?.issuer;
  }

  async token(): Promise<string | undefined> {
    await this.provider.load();
    const current = this.provider.current();
    if (current && (current.expiresAt === undefined || current.expiresAt - EXPIRY_SKEW_MS > this.now())) return current.accessToken;
    // Without a token to refresh, send none: the 401 that follows says where and how to sign in.
    if (!current || !this.provider.canRefresh()) return undefined;
    await this.once(() => this.provider.authorize());
    return this.provider.current()?.accessToken;
  }

  async onUnauthorized(response?: Response): Promise<void> {
    // The token was refused: the endpoint may have moved to another authorization server (SEP-2352), so discover again.
    await this.provider.invalidateCredentials('tokens');
    await this.provider.invalidateCredentials('discovery');
    await this.once(() => this.provider.authorize(response ? challengeFrom(response) : {}));
  }

  async onInsufficientScope(challenge: Challenge): Promise<void> {
    await this.once(() => this.provider.stepUp(challenge));
  }

  async login(): Promise<{ accessToken: string; expiresAt?: number; issuer?: string }> {
    await this.provider.load();
    await this.provider.invalidateCredentials('tokens');
    await this.provider.authorize(await this.provider.probeChallenge());
    return required(this.provider.current(), 'a token from the authorization server', 'mcp');
  }

  forget(): Promise<boolean> {
    return this.provider.forget();
  }

  /** One sign-in at a time: concurrent requests that all need one share it. */
  private once(signIn: () => Promise<void>): Promise<void> {
    this.inflight ??= signIn().finally(() => {
      this.inflight = undefined;
    });
    return this.inflight;
  }
}

/** A fixed bearer token: nothing to renew. */
function bearerCredentials(token: string): Credentials {
  return {
    issuer: undefined,
    token: async () => token,
    login: async () => ({ accessToken: token }),
    forget: async () => false,
  };
}

/** Where an issuer's tokens are cached: discovery URL (minus the well-known suffix) or token URL. */
function issuerKey(options: AuthOptions): string {
  const source = required(
    options.discoveryUrl ?? options.tokenUrl,
    options.mode === 'm2m' ? '--discovery-url or --token-url' : '--discovery-url',
    options.mode,
  );
  return source.replace(/\/\.well-known\/(openid-configuration|oauth-authorization-server)$/, '');
}

/**
 * The credentials for an auth mode against an MCP endpoint (`serverUrl`), or undefined for `none` and for `sigv4`
 * (which signs each request instead of sending a token).
 */
export function createCredentials(options: AuthOptions, serverUrl: URL): Credentials | undefined {
  const now = options.now ?? Date.now;
  const cache = options.cache === false ? undefined : (options.cache ?? new TokenCache());
  switch (options.mode) {
    case 'none':
    case 'sigv4':
      return undefined;
    case 'bearer':
      return bearerCredentials(required(options.token, '--token, --token-file or env TOOLPORT_TOKEN', 'bearer'));
    case 'm2m': {
      // Without --discovery-url or --token-url the endpoint's metadata names the issuer: tokens are kept per endpoint.
      const issuer = options.discoveryUrl || options.tokenUrl ? issuerKey(options) : `m2m:${serverUrl.origin}${serverUrl.pathname}`;
      const clientId = required(options.clientId, '--client-id', 'm2m');
      const grant = () => clientCredentialsGrant(options, now(), serverUrl);
      // Client credentials issue no refresh token (RFC 6749 §4.4.3): renewing means asking again.
      return new GrantCredentials(issuer, cache, TokenCache.key({ issuer, clientId, scope: options.scope }), now, grant);
    }
    case 'oauth': {
      const issuer = issuerKey(options);
      const clientId = required(options.clientId, '--client-id', 'oauth');
      return new GrantCredentials(
        issuer,
        cache,
        TokenCache.key({ issuer, clientId, scope: options.scope }),
        now,
        () => browserLogin(options, now),
        (current) => refreshGrant(options, current, now()),
      );
    }
    case 'password': {
      const { issuer } = cognitoPool(options);
      const clientId = required(options.clientId, '--client-id', 'password');
      const key = TokenCache.key({ issuer, clientId, scope: options.scope, username: required(options.username, '--username', 'password') });
      return new GrantCredentials(
        issuer,
        cache,
        key,
        now,
        () => cognitoPasswordSignIn(options, now()),
        (current) => cognitoRefresh(options, current, now()),
      );
    }
    case 'mcp': {
      // The issuer is only known after discovery, so `mcp` tokens are kept per endpoint (and client, and scopes).
      const key = TokenCache.key({
        issuer: `mcp:${serverUrl.origin}${serverUrl.pathname}`,
        clientId: options.clientId ?? '(registered)',
        scope: options.scope,
      });
      return new McpCredentials(new McpOAuthProvider(options, serverUrl, cache, key, now), now);
    }
    default:
      throw new ClientAuthError('unsupported', `unknown auth mode ${String(options.mode)}`);
  }
}

/** The transport's `authProvider` for these credentials (the SDK retries a request once after `onUnauthorized`). */
export function authProviderFor(credentials: Credentials): {
  token(): Promise<string | undefined>;
  onUnauthorized?(ctx: { response: Response }): Promise<void>;
} {
  return {
    token: () => credentials.token(),
    ...(credentials.onUnauthorized ? { onUnauthorized: (ctx: { response: Response }) => credentials.onUnauthorized?.(ctx.response) ?? Promise.resolve() } : {}),
  };
}
