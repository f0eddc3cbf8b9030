import type { IncomingMessage, ServerResponse } from 'node:http';
import type { JWK } from 'jose';
import type Provider from 'oidc-provider';
import { ConfigError, envRefName, identityConfigSchema, type IdentityConfig } from '../../config/index.js';
import type { Logger } from '../../log/index.js';
import type { Store } from '../../store/index.js';
import { sweepExpired } from './adapter.js';
import { CognitoEndpoint } from './cognito.js';
import { Directory, type IdentityDeclarations } from './directory.js';
import { Interactions } from './interactions.js';
import { KeyRing } from './keys.js';
import type { ScryptCost } from './passwords.js';
import { createProvider, loadOidcProvider, type OidcModule, type TokenLifetimes } from './provider.js';

/** Where the authorization server lives on the platform's edge. */
export const IDENTITY_PATH = '/identity';
const SWEEP_INTERVAL_MS = 10 * 60_000;

/** What the platform gives Identity's authorization server. */
export interface IdentityOptions {
  store: Store;
  /** The master key (see master-key.ts) that seals signing keys and Cognito client secrets. */
  masterKey: Buffer;
  log: Logger;
  /** The `identity:` section of `toolport.yaml`; its users, clients and resource servers are reconciled at open. */
  config?: IdentityConfig;
  env?: NodeJS.ProcessEnv;
  /** The scrypt cost of new password hashes; default OWASP's (`DEFAULT_SCRYPT_COST`). Tests pass a cheap one. */
  scryptCost?: ScryptCost;
}

/** Resolves `env:NAME` to the variable's value (never stored or printed), or returns the literal. */
function resolveSecret(value: string, path: string, env: NodeJS.ProcessEnv): string {
  const name = envRefName(value);
  if (name === undefined) return value;
  const resolved = env[name];
  if (!resolved)
    throw new ConfigError(`${path} reads ${name} from the environment, but ${name} is not set: export it before toolport up`, [
      { path, message: `${name} is not set` },
    ]);
  return resolved;
}

function declarations(config: IdentityConfig, env: NodeJS.ProcessEnv): IdentityDeclarations {
  return {
    resourceServers: config.resourceServers.map((s) => ({ identifier: s.identifier, scopes: s.scopes, ...(s.name ? { name: s.name } : {}) })),
    users: config.users.map((u, i) => ({
      username: u.username,
      password: resolveSecret(u.password, `identity.users[${i}].password`, env),
      ...(u.email ? { email: u.email } : {}),
    })),
    clients: config.clients.map((c, i) => ({
      clientId: c.clientId,
      grants: c.grants,
      scopes: c.scopes,
      redirectUris: c.redirectUris,
      resources: c.resources,
      ...(c.name ? { name: c.name } : {}),
      ...(c.secret ? { secret: resolveSecret(c.secret, `identity.clients[${i}].secret`, env) } : {}),
    })),
  };
}

/**
 * Toolport's OAuth 2.1 / OpenID Connect authorization server (oidc-provider) at `{platform}/identity`, with its
 * users, clients and resource servers, persisted signing keys, login and consent pages and the Cognito endpoint.
 * Open it before the edge listens (config is applied then), `attach` it once the platform's URL is known.
 */
export class Identity {
  readonly directory: Directory;
  private provider?: Provider;
  private serve?: ReturnType<Provider['callback']>;
  private interactions?: Interactions;
  private cognito?: CognitoEndpoint;
  private signingKeys: JWK[] = [];
  private cookieKey = '';
  private oidc?: OidcModule;
  private issuerUrl = '';
  private sweeper?: NodeJS.Timeout;
  /** The first M2M client of the config, for the ready-to-paste token command `toolport up` prints. */
  private declaredM2m?: { clientId: string; secret: string; scopes: string[] };

  private constructor(
    private readonly store: Store,
    private readonly keys: KeyRing,
    masterKey: Buffer,
    readonly lifetimes: TokenLifetimes,
    private readonly registration: boolean,
    private readonly log: Logger,
    scryptCost?: ScryptCost,
  ) {
    this.directory = new Directory(store.sql, masterKey, scryptCost);
  }

  /** Reconciles the config's users, clients and resource servers with the store. */
  static async open(options: IdentityOptions): Promise<Identity> {
    const env = options.env ?? process.env;
    const config = options.config;
    // Without a config file the schema's defaults apply (1h access and ID tokens, 30d refresh, 1m codes).
    const { tokens, registration } = config ?? identityConfigSchema.parse({});
    const seconds = (ms: number): number => Math.max(1, Math.round(ms / 1000));
    const lifetimes: TokenLifetimes = {
      accessToken: seconds(tokens.accessToken),
      idToken: seconds(tokens.idToken),
      refreshToken: seconds(tokens.refreshToken),
      authorizationCode: seconds(tokens.authorizationCode),
    };
    const { masterKey } = options;
    // A retired key stays published until every token it could have signed has expired.
    const keys = new KeyRing(options.store.sql, masterKey, Math.max(lifetimes.accessToken, lifetimes.idToken) + 3600);
    const identity = new Identity(options.store, keys, masterKey, lifetimes, registration, options.log.child({ part: 'identity' }), options.scryptCost);
    // Keys are read (and unsealed) now, before the edge listens, so a wrong master key stops start-up cleanly.
    identity.signingKeys = await keys.signingJwks();
    identity.cookieKey = await keys.cookieKey();
    identity.oidc = await loadOidcProvider();
    if (config) {
      await identity.directory.applyConfig(declarations(config, env));
      const m2m = config.clients.find((client) => client.grants.includes('client_credentials') && client.secret);
      if (m2m?.secret) identity.declaredM2m = { clientId: m2m.clientId, secret: m2m.secret, scopes: m2m.scopes };
    }
    return identity;
  }

  /** Starts serving at `{baseUrl}/identity` (the platform knows its URL only after it listens). */
  attach(baseUrl: string): void {
    this.issuerUrl = `${baseUrl}${IDENTITY_PATH}`;
    this.interactions = new Interactions(() => this.current(), this.directory, this.cookieKey, IDENTITY_PATH, this.log);
    this.cognito = new CognitoEndpoint(
      this.store.sql,
      this.directory,
      { issuer: () => this.issuerUrl, signingKey: () => this.signingKeys[0] as JWK, lifetimes: this.lifetimes },
      this.log,
    );
    this.build();
    this.sweeper = setInterval(
      () => void sweepExpired(this.store.sql).catch((error: Error) => this.log.warn('sweeping expired identity records failed', { error: error.message })),
      SWEEP_INTERVAL_MS,
    );
    this.sweeper.unref();
  }

  /** (Re)builds oidc-provider over the stored keys; all other state lives in the store, so nothing is lost. */
  private build(): void {
    const provider = createProvider(this.oidc as OidcModule, {
      issuer: this.issuerUrl,
      sql: this.store.sql,
      directory: this.directory,
      signingKeys: this.signingKeys,
      cookieKey: this.cookieKey,
      lifetimes: this.lifetimes,
      registration: this.registration,
    });
    provider.on('server_error', (_ctx, error: Error) => this.log.error('authorization server error', { error: error.stack }));
    this.provider = provider;
    this.serve = provider.callback();
  }

  private current(): Provider {
    if (!this.provider) throw new Error('identity is not attached yet');
    return this.provider;
  }

  /** The issuer URL, e.g. `http://127.0.0.1:8080/identity`. */
  get issuer(): string {
    return this.issuerUrl;
  }

  /**
   * A command that prints an access token for the config's first M2M client. An `env:NAME` secret is shown as
   * "$NAME"; a literal one is shown as written, since it is already in clear in toolport.yaml.
   */
  m2mTokenCommand(): string | undefined {
    const m2m = this.declaredM2m;
    if (!m2m) return undefined;
    const secretVar = envRefName(m2m.secret);
    const secret = secretVar !== undefined ? `"$${secretVar}"` : `'${m2m.secret.replace(/'/g, `'\\''`)}'`;
    const scope = m2m.scopes.length ? ` --scope '${m2m.scopes.join(' ')}'` : '';
    return `npx toolport identity token --client ${m2m.clientId} --secret ${secret}${scope} --server ${new URL(this.issuerUrl).origin}`;
  }

  /** Makes a new signing key current; older keys stay in the JWKS so live tokens keep verifying. */
  async rotateKeys(): Promise<{ kid: string }> {
    const kid = await this.keys.rotate();
    this.signingKeys = await this.keys.signingJwks();
    this.build();
    this.log.info('signing key rotated', { kid });
    return { kid };
  }

  listKeys(): ReturnType<KeyRing['list']> {
    return this.keys.list();
  }

  /**
   * Serves a request addressed to the issuer or its well-known metadata; false when `path` is not Identity's.
   * RFC 8414 §3 puts the metadata of issuer `/identity` at `/.well-known/oauth-authorization-server/identity`;
   * OpenID clients try `/identity/.well-known/openid-configuration` (and some the inserted form too).
   */
  async handle(req: IncomingMessage, res: ServerResponse, path: string): Promise<boolean> {
    let inner: string;
    if (path === `/.well-known/oauth-authorization-server${IDENTITY_PATH}`) inner = '/.well-known/oauth-authorization-server';
    else if (path === `/.well-known/openid-configuration${IDENTITY_PATH}`) inner = '/.well-known/openid-configuration';
    else if (path === IDENTITY_PATH || path.startsWith(`${IDENTITY_PATH}/`)) inner = path.slice(IDENTITY_PATH.length) || '/';
    else return false;
    // AWS SDKs given `endpoint: .../identity/cognito` post to `/identity/cognito/`.
    if (inner === '/cognito' || inner === '/cognito/') {
      await (this.cognito as CognitoEndpoint).handle(req, res);
      return true;
    }
    if (Interactions.matches(inner)) {
      await (this.interactions as Interactions).handle(req, res, inner);
      return true;
    }
    // oidc-provider derives its mount path from originalUrl minus url, as under Express.
    const raw = req.url ?? '';
    const query = raw.includes('?') ? raw.slice(raw.indexOf('?')) : '';
    Object.assign(req, { originalUrl: `${IDENTITY_PATH}${inner}${query}`, url: `${inner}${query}` });
    if (!this.serve) throw new Error('identity is not attached yet');
    await this.serve(req, res);
    return true;
  }

  async close(): Promise<void> {
    if (this.sweeper) clearInterval(this.sweeper);
  }
}
