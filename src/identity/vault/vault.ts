import { ConfigError, type CredentialProviderSpec } from '../../config/index.js';
import type { OutboundCredentials } from './outbound.js';
import type { Store } from '../../store/index.js';
import { VaultError } from './errors.js';
import {
  authorizationCodeGrant,
  clientCredentialsGrant,
  refreshTokenGrant,
  resolveIssuer,
  TokenEndpointError,
  type HttpDeps,
  type Issuer,
  type OAuthClientSettings,
  type UpstreamTokens,
} from './oauth.js';
import { ProviderRecords, type CredentialProvider, type CredentialProviderInfo } from './providers.js';
import { REFRESH_MARGIN_MS, UpstreamTokenCache } from './token-cache.js';
import { UserTokenRecords } from './user-tokens.js';

/** Which token a caller wants: a machine token (client credentials) or one acting for a user who consented. */
export interface AccessTokenRequest {
  provider: string;
  /** Defaults to the provider's configured scopes. */
  scopes?: string[];
  flow: 'm2m' | 'user';
  /** Required for `flow: 'user'`: whose stored consent to use. */
  userId?: string;
}

/**
 * Where a gateway target puts a credential: `header` (default name `authorization`, sent as `Bearer <value>`; any
 * other header name gets the bare value) or `query` (default name `access_token` for OAuth, `api_key` for API keys).
 */
export interface CredentialRef {
  provider: string;
  in: 'header' | 'query';
  name?: string;
  scopes?: string[];
}

/** What the vault needs besides the store. */
export interface VaultOptions {
  /** The AES-256 master key (`loadMasterKey`). */
  masterKey: Buffer;
  /** Where issuers send users back after consent: `{platform}/identity/vault/callback`. */
  callbackUrl: () => string;
  fetch?: typeof fetch;
  now?: () => number;
  timeoutMs?: number;
  /** Resolves `env:NAME` secrets (default: Toolport's own environment). */
  env?: NodeJS.ProcessEnv;
}

/** Discovery documents are re-read after this long. */
const DISCOVERY_TTL_MS = 10 * 60_000;
/**
 * Providers are read from the store at most this often, so an upstream request costs no store read; changes made
 * through this vault apply at once, changes by another Toolport process on the same store within this time.
 */
const PROVIDER_TTL_MS = 30_000;

const oauthSettings = (provider: Extract<CredentialProviderSpec, { type: 'oauth2' }>): OAuthClientSettings => ({ ...provider, provider: provider.name });
const cacheKey = (provider: string, flow: string, userId: string, scopes: string[]): string =>
  `${provider}\0${flow}\0${userId}\0${[...scopes].sort().join(' ')}`;

/**
 * Identity's vault of outbound credentials: API keys and OAuth clients (client credentials, and authorization code
 * for users who consented), secrets sealed at rest, tokens cached until shortly before expiry with one fetch per miss.
 */
export class Vault {
  private readonly providers: ProviderRecords;
  private readonly users: UserTokenRecords;
  private readonly cache: UpstreamTokenCache;
  private readonly http: HttpDeps;
  private readonly issuers = new Map<string, { at: number; value: Promise<Issuer> }>();
  private readonly loaded = new Map<string, { at: number; value: Promise<CredentialProvider> }>();
  /** Runtimes named in any provider's `runtimes` list (kept current by every change made through the vault). */
  private grants = new Set<string>();

  constructor(
    store: Store,
    private readonly options: VaultOptions,
  ) {
    const now = options.now ?? Date.now;
    this.http = { fetch: options.fetch ?? fetch, timeoutMs: options.timeoutMs ?? 10_000, now };
    this.providers = new ProviderRecords(store.sql, options.masterKey, options.env ?? process.env);
    this.users = new UserTokenRecords(store.sql, options.masterKey, now);
    this.cache = new UpstreamTokenCache(now);
  }

  /** Stores a new provider (secrets given literally or as `env:NAME`); throws `conflict` if the name is taken. */
  async createProvider(input: unknown): Promise<CredentialProviderInfo> {
    const info = await this.providers.save(input, false);
    this.forget(info.name);
    await this.loadGrants();
    return info;
  }

  /** Reads which runtimes the stored providers grant; call once at start. */
  async loadGrants(): Promise<void> {
    this.grants = new Set((await this.providers.list()).flatMap((provider) => provider.runtimes));
  }

  /** Whether any provider lets `runtime` fetch credentials; only then do its workers get the workload env. */
  grantsRuntime(runtime: string): boolean {
    return this.grants.has(runtime);
  }

  /** Creates or replaces the providers of `toolport.yaml`; users' stored consents are kept. */
  async applyConfig(credentials: readonly CredentialProviderSpec[]): Promise<void> {
    for (const [index, spec] of credentials.entries()) {
      try {
        await this.providers.save(spec, true);
      } catch (error) {
        // Named by its place in toolport.yaml, as every other config error is.
        if (error instanceof VaultError)
          throw new ConfigError(`credentials[${index}]: ${error.message}`, [{ path: `credentials[${index}]`, message: error.message }]);
        throw error;
      }
      this.forget(spec.name);
    }
    await this.loadGrants();
  }

  /** Every provider without its secret. */
  listProviders(): Promise<CredentialProviderInfo[]> {
    return this.providers.list();
  }

  async getProvider(name: string): Promise<CredentialProviderInfo> {
    const info = await this.providers.info(name);
    if (!info) throw new VaultError('not_found', `no credential named "${name}"; list them with: toolport identity credential list`);
    return info;
  }

  /** Deletes a provider with its users' tokens; false if there was none. */
  async deleteProvider(name: string): Promise<boolean> {
    const deleted = await this.providers.delete(name);
    this.forget(name);
    await this.loadGrants();
    return deleted;
  }

  private forget(name: string): void {
    this.cache.forget(`${name}\0`);
    this.issuers.delete(name);
    this.loaded.delete(name);
  }

  /** The provider with its secret, from a short-lived in-memory copy (see PROVIDER_TTL_MS). */
  private load(name: string): Promise<CredentialProvider> {
    const cached = this.loaded.get(name);
    if (cached && this.http.now() - cached.at < PROVIDER_TTL_MS) return cached.value;
    const value = this.providers.load(name);
    this.loaded.set(name, { at: this.http.now(), value });
    value.catch(() => this.loaded.delete(name));
    return value;
  }

  /** The value of an API-key provider. */
  async apiKey(name: string): Promise<string> {
    const provider = await this.load(name);
    if (provider.type !== 'apiKey') throw new VaultError('invalid', `credential "${name}" is an OAuth client, not an API key; ask for an access token instead`);
    return provider.apiKey;
  }

  /**
   * An access token: client credentials for `m2m`; for `user`, the user's stored consent (refreshed as needed) or a
   * `consent_required` VaultError carrying the authorization URL the user must open.
   */
  async accessToken(request: AccessTokenRequest): Promise<string> {
    const provider = await this.oauthProvider(request.provider);
    const scopes = request.scopes?.length ? request.scopes : provider.scopes;
    if (request.flow === 'm2m') {
      return this.cache.get(cacheKey(provider.name, 'm2m', '', scopes), () => this.clientCredentials(provider, scopes));
    }
    const { userId } = request;
    if (!userId) throw new VaultError('invalid', 'flow "user" needs the userId whose consent to use');
    return this.cache.get(cacheKey(provider.name, 'user', userId, scopes), () => this.userToken(provider, userId, scopes));
  }

  private async oauthProvider(name: string): Promise<Extract<CredentialProvider, { type: 'oauth2' }>> {
    const provider = await this.load(name);
    if (provider.type !== 'oauth2') throw new VaultError('invalid', `credential "${name}" is an API key, not an OAuth client; ask for the key instead`);
    return provider;
  }

  private async issuerOf(provider: Extract<CredentialProvider, { type: 'oauth2' }>): Promise<Issuer> {
    const cached = this.issuers.get(provider.name);
    if (cached && this.http.now() - cached.at < DISCOVERY_TTL_MS) return cached.value;
    const value = resolveIssuer(oauthSettings(provider), this.http);
    this.issuers.set(provider.name, { at: this.http.now(), value });
    value.catch(() => this.issuers.delete(provider.name));
    return value;
  }

  private async clientCredentials(provider: Extract<CredentialProvider, { type: 'oauth2' }>, scopes: string[]): Promise<UpstreamTokens> {
    return clientCredentialsGrant(oauthSettings(provider), await this.issuerOf(provider), scopes, this.http);
  }

  private async userToken(provider: Extract<CredentialProvider, { type: 'oauth2' }>, userId: string, scopes: string[]): Promise<UpstreamTokens> {
    const stored = await this.users.get(provider.name, userId);
    if (stored && scopes.every((scope) => stored.scopes.includes(scope))) {
      const { tokens } = stored;
      if (tokens.expiresAt - REFRESH_MARGIN_MS > this.http.now()) return tokens;
      if (tokens.refreshToken) {
        try {
          const fresh = await refreshTokenGrant(oauthSettings(provider), await this.issuerOf(provider), tokens.refreshToken, this.http);
          // RFC 6749 §6: the issuer may rotate the refresh token; keep the old one only if it did not.
          const next = { ...fresh, ...((fresh.refreshToken ?? tokens.refreshToken) ? { refreshToken: fresh.refreshToken ?? tokens.refreshToken } : {}) };
          await this.users.save(provider.name, userId, stored.scopes, next);
          return next;
        } catch (error) {
          if (!(error instanceof TokenEndpointError && error.oauthError === 'invalid_grant')) throw error;
          await this.users.delete(provider.name, userId); // revoked or expired consent: the user must grant it again
        }
      }
    }
    const url = await this.authorizationUrl(provider, userId, scopes);
    throw new VaultError(
      'consent_required',
      `user "${userId}" has not granted access to credential "${provider.name}" yet: open the authorization URL, then retry`,
      url,
    );
  }

  /** Starts the authorization code flow (PKCE S256) for a user; returns the URL they must open. */
  async authorize(request: { provider: string; userId: string; scopes?: string[] }): Promise<string> {
    const provider = await this.oauthProvider(request.provider);
    return this.authorizationUrl(provider, request.userId, request.scopes?.length ? request.scopes : provider.scopes);
  }

  private async authorizationUrl(provider: Extract<CredentialProvider, { type: 'oauth2' }>, userId: string, scopes: string[]): Promise<string> {
    const authorizationUrl = (await this.issuerOf(provider)).server.authorization_endpoint;
    if (!authorizationUrl) {
      throw new VaultError(
        'invalid',
        `credential "${provider.name}" has no authorization endpoint for the user flow: give authorizationUrl, or a discoveryUrl whose metadata names one`,
      );
    }
    const { state, codeChallenge } = await this.users.begin(provider.name, userId, scopes);
    const url = new URL(authorizationUrl);
    const params = {
      response_type: 'code',
      client_id: provider.clientId,
      redirect_uri: this.options.callbackUrl(),
      state,
      code_challenge: codeChallenge,
      code_challenge_method: 'S256',
    };
    for (const [name, value] of Object.entries(params)) url.searchParams.set(name, value);
    if (scopes.length) url.searchParams.set('scope', scopes.join(' '));
    return url.toString();
  }

  /** Finishes a user's authorization at the callback: exchanges the code and stores the tokens sealed. */
  async completeAuthorization(callback: { state: string; code?: string; error?: string; iss?: string }): Promise<{ provider: string; userId: string }> {
    const pending = await this.users.take(callback.state);
    if (!callback.code)
      throw new VaultError('forbidden', `access to credential "${pending.provider}" was not granted (${callback.error ?? 'no code in the callback'})`);
    const provider = await this.oauthProvider(pending.provider);
    const tokens = await authorizationCodeGrant(
      oauthSettings(provider),
      await this.issuerOf(provider),
      { state: callback.state, code: callback.code, iss: callback.iss, redirectUri: this.options.callbackUrl(), codeVerifier: pending.codeVerifier },
      this.http,
    );
    await this.users.save(provider.name, pending.userId, pending.scopes, tokens);
    this.cache.forget(`${provider.name}\0user\0${pending.userId}\0`);
    return { provider: provider.name, userId: pending.userId };
  }

  /** Throws `forbidden` unless `runtime` is in the provider's `runtimes` list (the workload endpoint's check). */
  async assertRuntimeMay(providerName: string, runtime: string): Promise<void> {
    if (!(await this.load(providerName)).runtimes.includes(runtime)) {
      throw new VaultError('forbidden', `runtime "${runtime}" may not use credential "${providerName}"; add it to the credential's runtimes list`);
    }
  }

  /** Credentials for a gateway target, resolved on every upstream request (tokens come from the cache). */
  outboundCredentials(ref: CredentialRef): OutboundCredentials {
    const value = async (): Promise<{ value: string; oauth: boolean }> => {
      const provider = await this.load(ref.provider);
      if (provider.type === 'apiKey') return { value: provider.apiKey, oauth: false };
      return { value: await this.accessToken({ provider: ref.provider, flow: 'm2m', ...(ref.scopes ? { scopes: ref.scopes } : {}) }), oauth: true };
    };
    return {
      headers: async () => {
        if (ref.in !== 'header') return {};
        const name = (ref.name ?? 'authorization').toLowerCase();
        const { value: secret } = await value();
        return { [name]: name === 'authorization' ? `Bearer ${secret}` : secret };
      },
      query: async () => {
        if (ref.in !== 'query') return {};
        const { value: secret, oauth } = await value();
        return { [ref.name ?? (oauth ? 'access_token' : 'api_key')]: secret };
      },
    };
  }
}
