import { createPublicKey, type KeyObject } from 'node:crypto';
import { jwtVerify, type JWK, type JWTPayload } from 'jose';
import type Provider from 'oidc-provider';
import type { Configuration, KoaContextWithOIDC, UnknownObject } from 'oidc-provider';
import type { Sql } from '../../store/index.js';
import { LOOPBACK_HOSTS, onPlatform, resourcePath } from '../platform-resource.js';
import { SqlAdapter } from './adapter.js';
import { SignInThrottle, SignInThrottled } from './throttle.js';
import { OIDC_SCOPES, type ClientMetadata } from './clients.js';
import type { Directory } from './directory.js';
import { errorPage, PAGE_HEADERS, page } from './views.js';

type Client = InstanceType<Provider['Client']>;
/** The oidc-provider module: the Provider class and its OAuth error classes. */
export type OidcModule = typeof import('oidc-provider');
type OidcErrors = OidcModule['errors'];

let loading: Promise<OidcModule> | undefined;
/**
 * Imports oidc-provider once. Its import prints a warning on Node releases below 22 LTS; Toolport supports Node 20
 * (its tests run there), so that one line is kept off stderr, where CLI users and tests read Toolport's own errors.
 */
export function loadOidcProvider(): Promise<OidcModule> {
  loading ??= (async () => {
    const warn = console.warn;
    console.warn = (...args: unknown[]) => {
      if (!(typeof args[0] === 'string' && args[0].startsWith('oidc-provider WARNING: Unsupported runtime'))) warn(...args);
    };
    try {
      return await import('oidc-provider');
    } finally {
      console.warn = warn;
    }
  })();
  return loading;
}

/** Token lifetimes in seconds. */
export interface TokenLifetimes {
  accessToken: number;
  idToken: number;
  refreshToken: number;
  authorizationCode: number;
}

/** What the provider is built from; rebuilt with new keys on rotation (all state is in the store). */
export interface ProviderSettings {
  issuer: string;
  sql: Sql;
  directory: Directory;
  signingKeys: JWK[];
  cookieKey: string;
  lifetimes: TokenLifetimes;
  /** Whether public clients may register themselves (RFC 7591). */
  registration: boolean;
}

/** Resource-server scopes are `{identifier}/{scope}`; a token without a `resource` parameter is for that server. */
const RESOURCE_SERVER_URN = 'urn:toolport:resource-server:';

/** How a resource indicator is shown to people: a resource server by its identifier, anything else as is. */
export function resourceLabel(indicator: string): string {
  return indicator.startsWith(RESOURCE_SERVER_URN) ? decodeURIComponent(indicator.slice(RESOURCE_SERVER_URN.length)) : indicator;
}
/** https anywhere, or http on a loopback host (a native app's local callback, RFC 8252 §7.3). */
function secureRedirectUri(uri: string): boolean {
  const url = URL.parse(uri);
  return url?.protocol === 'https:' || (url?.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname));
}
const REGISTRATION_GRANTS = new Set(['authorization_code', 'refresh_token']);
const STATIC_SCOPES = new Set<string>(OIDC_SCOPES);

/** What a `resource` indicator names: a declared resource server, or (with its path) a runtime/gateway URL here. */
interface NamedResource {
  audience: string;
  scopes: string[];
  /** For a runtime or gateway of this platform: its URL path, decoded, as clients' `resources` lists hold it. */
  platformPath?: string;
}

/** Maps a `resource` indicator to the server it names: a declared resource server, or a runtime/gateway URL here. */
async function resolveResourceServer(settings: ProviderSettings, errors: OidcErrors, indicator: string): Promise<NamedResource> {
  const servers = await settings.directory.resourceServers.list();
  const identifier = resourceLabel(indicator);
  const declared = servers.find((server) => server.identifier === identifier);
  if (declared) return { audience: declared.identifier, scopes: declared.fullScopes };
  // A runtime or gateway of this platform (RFC 8707 §2): same port, addressed by the issuer's host or a loopback name.
  const target = URL.parse(indicator);
  if (!target || !onPlatform(target, new URL(settings.issuer)))
    throw new errors.InvalidTarget(`${indicator} is neither a resource server of this issuer nor a runtime or gateway of this platform`);
  return { audience: target.href, scopes: servers.flatMap((server) => server.fullScopes), platformPath: resourcePath(target) };
}

/**
 * Refuses a resource the client may not name. Otherwise any client of the issuer could mint a token whose audience
 * opens a runtime or gateway guarded by `allowedAudiences`. A runtime or gateway URL must be in the client's
 * `resources`; a client without that list may name one only in a flow a user consents to (never client_credentials).
 * A client_credentials token for a resource server needs one of that server's scopes.
 */
function checkClientResource(errors: OidcErrors, client: Client, indicator: string, server: NamedResource, machine: boolean, allowedScopes: string[]): void {
  const registered = (client as Client & { toolport_resources?: string }).toolport_resources?.split(' ');
  if (server.platformPath !== undefined) {
    if (registered ? registered.includes(server.platformPath) : !machine) return;
    throw new errors.InvalidTarget(
      `client ${client.clientId} is not registered for the resource ${indicator}; add ${server.platformPath} to the client's resources`,
    );
  }
  if (machine && !allowedScopes.length) throw new errors.InvalidTarget(`client ${client.clientId} holds no scope of the resource server ${server.audience}`);
}

/** Scopes of the request that are resource-server scopes (`a/b`), not OpenID ones. */
function requestedResourceScopes(ctx: KoaContextWithOIDC): string[] {
  const scope = ctx.oidc.params?.scope;
  return typeof scope === 'string' ? scope.split(' ').filter((s) => s && !STATIC_SCOPES.has(s)) : [];
}

/** The resource scopes a client may hold: its declared list, or every scope for clients without one (users consent). */
function clientResourceScopes(client: Client, all: string[]): string[] {
  const declared = (client as Client & { toolport_scopes?: string }).toolport_scopes;
  if (!declared) return all;
  const allowed = new Set(declared.split(' '));
  return all.filter((scope) => allowed.has(scope));
}

/** oidc-provider (the module from `loadOidcProvider`) configured as Toolport's authorization server. */
export function createProvider(oidc: OidcModule, settings: ProviderSettings): Provider {
  const { default: Provider, errors } = oidc;
  const { directory, lifetimes } = settings;
  const issuerPath = new URL(settings.issuer).pathname.replace(/\/$/, '');
  const configuration: Configuration = {
    adapter: (name: string) => (name === 'Client' ? clientAdapter(directory) : new SqlAdapter(settings.sql, name)),
    // jose's and oidc-provider's JWK types differ only in optional members.
    jwks: { keys: settings.signingKeys } as Configuration['jwks'],
    cookies: { keys: [settings.cookieKey], long: { httpOnly: true, sameSite: 'lax' }, short: { httpOnly: true, sameSite: 'lax' } },
    async findAccount(_ctx, sub) {
      const user = await directory.users.bySub(sub);
      if (!user) return undefined;
      return {
        accountId: user.sub,
        claims: () => ({ sub: user.sub, preferred_username: user.username, ...(user.email ? { email: user.email, email_verified: false } : {}) }),
      };
    },
    claims: { openid: ['sub'], profile: ['preferred_username'], email: ['email', 'email_verified'] },
    scopes: [...OIDC_SCOPES],
    // OAuth 2.1: the authorization code flow only (no implicit or hybrid response types).
    responseTypes: ['code'],
    clientAuthMethods: ['client_secret_basic', 'client_secret_post', 'none'],
    // HMAC algorithms would key signatures with client secrets, which are stored only as hashes.
    enabledJWA: {
      idTokenSigningAlgValues: ['RS256'],
      requestObjectSigningAlgValues: ['RS256'],
      userinfoSigningAlgValues: ['RS256'],
      introspectionSigningAlgValues: ['RS256'],
      authorizationSigningAlgValues: ['RS256'],
      clientAuthSigningAlgValues: ['RS256'],
    },
    clientDefaults: {
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
      id_token_signed_response_alg: 'RS256',
    },
    extraClientMetadata: {
      // Set through the control plane or toolport.yaml only: resource scopes a client may get, the runtimes and
      // gateways it may name as `resource`, Cognito quick mode.
      properties: ['toolport_scopes', 'toolport_resources', 'toolport_password_auth'],
      validator(ctx, key, value, metadata) {
        const registering = ctx?.oidc?.route === 'registration' || ctx?.oidc?.route === 'client_update';
        if (registering && value !== undefined) throw new errors.InvalidClientMetadata(`${key} is set by the administrator, not by registration`);
        if (key !== 'toolport_password_auth') return;
        if (registering) {
          if (metadata.token_endpoint_auth_method !== 'none') {
            throw new errors.InvalidClientMetadata('registration is open to public clients only: register with token_endpoint_auth_method "none" and use PKCE');
          }
          // OAuth 2.1 §8.4.2 and the MCP authorization spec: redirect URIs are https, or http on a loopback address.
          const insecure = ((metadata.redirect_uris as string[] | undefined) ?? []).find((uri) => !secureRedirectUri(uri));
          if (insecure !== undefined) {
            // A description starting with "redirect_uris" makes it RFC 7591 §3.2.2's invalid_redirect_uri.
            throw new errors.InvalidClientMetadata(`redirect_uris: ${insecure} is refused; use https, or http on 127.0.0.1, [::1] or localhost`);
          }
          const grants = (metadata.grant_types as string[] | undefined) ?? [];
          if (grants.some((grant) => !REGISTRATION_GRANTS.has(grant))) {
            throw new errors.InvalidClientMetadata('registered clients may use the authorization_code and refresh_token grants only');
          }
          // MCP clients register with the resource's scopes (gateway/read); the client's `scope` may only hold OpenID
          // ones, and a registered client may ask for any resource scope anyway, the user consenting (RFC 7591 §2
          // lets the server replace requested values).
          if (typeof metadata.scope === 'string') {
            const openid = metadata.scope.split(' ').filter((scope) => STATIC_SCOPES.has(scope));
            if (openid.length) metadata.scope = openid.join(' ');
            else delete metadata.scope;
          }
        }
        // RFC 8252 §7.3: loopback redirect URIs of native apps match on any port, since MCP clients bind ephemeral ones.
        const uris = (metadata.redirect_uris as string[] | undefined) ?? [];
        if (
          uris.length &&
          uris.every((uri) => {
            const url = URL.parse(uri);
            return url?.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname);
          })
        ) {
          metadata.application_type = 'native';
        }
      },
    },
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      introspection: {
        enabled: true,
        // A confidential client (a resource server) may introspect any token; a public one only its own.
        allowedPolicy: async (ctx, client, token) => client.clientAuthMethod !== 'none' || token.clientId === ctx.oidc.client?.clientId,
      },
      revocation: { enabled: true, allowedPolicy: async (_ctx, client, token) => token.clientId === client.clientId },
      registration: { enabled: settings.registration, initialAccessToken: false },
      rpInitiatedLogout: {
        enabled: true,
        logoutSource: async (ctx, form) => {
          ctx.set(PAGE_HEADERS);
          ctx.body = page('Sign out', `<h1>Sign out?</h1>${form}<button form="op.logoutForm" type="submit" name="logout" value="yes">Sign out</button>`);
        },
        postLogoutSuccessSource: async (ctx) => {
          ctx.set(PAGE_HEADERS);
          ctx.body = page('Signed out', '<h1>Signed out</h1><p>You can close this window.</p>');
        },
      },
      resourceIndicators: {
        enabled: true,
        async defaultResource(ctx, client, oneOf) {
          if (oneOf?.length) return oneOf[0];
          let wanted = requestedResourceScopes(ctx);
          const all = await directory.resourceServers.allScopes();
          // Cognito hands an M2M client all its scopes when it names none.
          if (!wanted.length && ctx.oidc.params?.grant_type === 'client_credentials') {
            wanted = clientResourceScopes(client, [...all.keys()]);
            if (wanted.length) (ctx.oidc.params as UnknownObject).scope = wanted.join(' ');
          }
          // Cognito refuses a scope no resource server defines; silently dropping it would mint a token for nothing.
          const unknown = ctx.oidc.params?.grant_type === 'client_credentials' ? wanted.find((scope) => !all.has(scope)) : undefined;
          if (unknown) throw new errors.InvalidScope(`no resource server defines the scope ${unknown}; see toolport identity resource-server list`, unknown);
          const identifiers = new Set(wanted.map((scope) => all.get(scope)?.identifier).filter((id): id is string => id !== undefined));
          if (identifiers.size > 1) {
            throw new errors.InvalidScope(
              `the scopes belong to ${identifiers.size} resource servers; ask for one server's scopes per token, or name it with the resource parameter`,
              wanted.join(' '),
            );
          }
          const [identifier] = identifiers;
          return identifier === undefined ? undefined : `${RESOURCE_SERVER_URN}${encodeURIComponent(identifier)}`;
        },
        async getResourceServerInfo(ctx, indicator, client) {
          const server = await resolveResourceServer(settings, errors, indicator);
          const allowed = clientResourceScopes(client, server.scopes);
          const machine = ctx.oidc.route === 'token' && ctx.oidc.params?.grant_type === 'client_credentials';
          if (machine) {
            const requested = requestedResourceScopes(ctx);
            const refused = requested.find((scope) => !allowed.includes(scope));
            if (refused) throw new errors.InvalidScope('requested scope is not allowed for this client', refused);
            if (!requested.length && allowed.length) (ctx.oidc.params as UnknownObject).scope = allowed.join(' ');
          }
          checkClientResource(errors, client, indicator, server, machine, allowed);
          return {
            scope: allowed.join(' '),
            audience: server.audience,
            accessTokenFormat: 'jwt',
            accessTokenTTL: lifetimes.accessToken,
            jwt: { sign: { alg: 'RS256' } },
          };
        },
        // Tokens refreshed or exchanged without a resource parameter keep the audience the user consented to.
        useGrantedResource: async () => true,
      },
    },
    // Cognito's access tokens carry the user's name; resource servers key on it.
    async extraTokenClaims(_ctx, token) {
      const accountId = 'accountId' in token ? token.accountId : undefined;
      if (!accountId) return undefined;
      const user = await directory.users.bySub(accountId);
      return user ? { username: user.username } : undefined;
    },
    // MCP clients rarely ask for offline_access; any client allowed the refresh_token grant gets one (RFC 6749 §6).
    issueRefreshToken: async (_ctx, client) => client.grantTypeAllowed('refresh_token'),
    rotateRefreshToken: true,
    pkce: { required: () => true },
    ttl: {
      AccessToken: lifetimes.accessToken,
      ClientCredentials: lifetimes.accessToken,
      IdToken: lifetimes.idToken,
      RefreshToken: lifetimes.refreshToken,
      AuthorizationCode: lifetimes.authorizationCode,
      Grant: lifetimes.refreshToken,
      Session: lifetimes.refreshToken,
      Interaction: 3600,
    },
    interactions: { url: (_ctx, interaction) => `${issuerPath}/interaction/${interaction.uid}` },
    clientBasedCORS(_ctx, origin, client) {
      if (origin === 'null') return false;
      return client.clientAuthMethod === 'none' && (client.redirectUris ?? []).some((uri) => URL.parse(uri)?.origin === origin);
    },
    async renderError(ctx, out) {
      ctx.set(PAGE_HEADERS);
      ctx.body = errorPage(String(out.error), typeof out.error_description === 'string' ? out.error_description : undefined);
    },
  };
  const provider = new Provider(settings.issuer, configuration);
  // The edge sets X-Forwarded-Host/Proto from server.publicUrl and strips any a caller sent (X-Forwarded-For too,
  // so ctx.ip, which the client-authentication throttle counts by, is the connection's own address).
  provider.proxy = true;
  provider.use(throttleClientAuthentication(new SignInThrottle()));
  provider.use(introspectJwtAccessTokens(settings));
  // Client secrets are stored as keyed digests (the metadata's client_secret holds the digest), never in clear.
  provider.Client.prototype.compareClientSecret = function compareClientSecret(this: { clientId: string; clientSecret?: string }, actual: string) {
    return this.clientSecret ? directory.clients.verifySecret(this.clientId, this.clientSecret, actual) : false;
  };
  return provider;
}

/** The endpoints where clients authenticate with their secret: token, introspection, revocation. */
const CLIENT_AUTH_PATH = /\/token(\/introspection|\/revocation)?$/;

/**
 * Brakes secret guessing by source address: after five failed client authentications in a row, each further one
 * locks the address for twice as long (1 s ... 15 min) with 429 and Retry-After, before any secret is checked. The
 * address is locked, not the client id, so a flood of wrong secrets cannot lock the legitimate client out from
 * elsewhere. A success from the address clears it.
 */
function throttleClientAuthentication(throttle: SignInThrottle): Parameters<Provider['use']>[0] {
  return async (ctx, next) => {
    const guarded = ctx.method === 'POST' && CLIENT_AUTH_PATH.test(ctx.path);
    const source = ctx.ip;
    if (guarded) {
      try {
        throttle.check(source);
      } catch (error) {
        if (!(error instanceof SignInThrottled)) throw error;
        ctx.status = 429;
        ctx.set({ 'retry-after': String(error.retryAfterSeconds), 'cache-control': 'no-store' });
        ctx.body = {
          error: 'temporarily_unavailable',
          error_description: `too many failed client authentications from this address; retry in ${error.retryAfterSeconds} s`,
        };
        return;
      }
    }
    await next();
    if (!guarded) return;
    if (ctx.status === 401 && (ctx.body as { error?: unknown } | undefined)?.error === 'invalid_client') throttle.failed(source);
    else if (ctx.status < 400) throttle.succeeded(source);
  };
}

/**
 * RFC 7662 for this issuer's own JWT access tokens. oidc-provider does not store JWT-format tokens and refuses to
 * introspect them (400 unsupported_token_type) after it has authenticated the calling client; this middleware answers
 * those requests instead: `{active: true, ...claims}` when the token verifies against the provider's own signing keys
 * (signature, issuer, expiry), `{active: false}` otherwise. The endpoint's policy holds here too: a public client
 * learns about its own tokens only.
 */
function introspectJwtAccessTokens(settings: ProviderSettings): Parameters<Provider['use']>[0] {
  // Node derives the public key from each private JWK; oidc-provider publishes exactly these keys in its JWKS.
  const publicKeys = new Map<string | undefined, KeyObject>(
    settings.signingKeys.map((jwk) => [jwk.kid, createPublicKey({ key: jwk as JsonWebKey, format: 'jwk' })]),
  );
  const verify = async (token: string): Promise<JWTPayload | undefined> => {
    try {
      const { payload, protectedHeader } = await jwtVerify(
        token,
        async (header) => {
          const key = publicKeys.get(header.kid);
          if (!key) throw new Error('unknown kid');
          return key;
        },
        { issuer: settings.issuer, algorithms: ['RS256'] },
      );
      // Access tokens only (RFC 9068 typ, or Cognito's token_use): an ID token is no credential for a resource.
      return protectedHeader.typ === 'at+jwt' || payload.token_use === 'access' ? payload : undefined;
    } catch {
      return undefined;
    }
  };
  return async (ctx, next) => {
    await next();
    const body = ctx.body as { error?: unknown } | undefined;
    const client = ctx.oidc?.client;
    if (ctx.oidc?.route !== 'introspection' || ctx.status !== 400 || body?.error !== 'unsupported_token_type' || !client) return;
    const token = ctx.oidc.params?.token;
    const claims = typeof token === 'string' ? await verify(token) : undefined;
    const allowed = claims !== undefined && (client.clientAuthMethod !== 'none' || claims.client_id === client.clientId);
    ctx.status = 200;
    ctx.body = allowed ? { ...claims, active: true, token_type: 'Bearer' } : { active: false };
  };
}

/** oidc-provider's Client storage over the directory: declared clients read from it, registered ones written to it. */
function clientAdapter(directory: Directory) {
  const unsupported = async (): Promise<undefined> => undefined;
  return {
    find: (id: string) => directory.clients.metadata(id),
    upsert: (_id: string, payload: UnknownObject) => directory.clients.saveRegistered(payload as ClientMetadata),
    destroy: (id: string) => directory.clients.deleteRegistered(id),
    findByUid: unsupported,
    findByUserCode: unsupported,
    consume: unsupported,
    revokeByGrantId: unsupported,
  };
}
