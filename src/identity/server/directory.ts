import { hkdfSync, randomUUID } from 'node:crypto';
import { ConfigError } from '../../config/index.js';
import { StoreError, type Sql } from '../../store/index.js';
import { open, seal } from '../master-key.js';
import { isResourcePath } from '../platform-resource.js';
import {
  DEFAULT_SCRYPT_COST,
  digestClientSecret,
  generateSecret,
  hashSecret,
  isClientSecretDigest,
  verifyClientSecretDigest,
  verifySecret,
  type ScryptCost,
} from './passwords.js';
import { SignInThrottle, SignInThrottled } from './throttle.js';

/** Grants a Toolport client may hold; `password` is Cognito's USER_PASSWORD_AUTH at /identity/cognito. */
export const CLIENT_GRANTS = ['client_credentials', 'authorization_code', 'refresh_token', 'password'] as const;
export type ClientGrant = (typeof CLIENT_GRANTS)[number];
/** OpenID scopes every user-facing client may ask for, besides resource-server scopes. */
export const OIDC_SCOPES = ['openid', 'profile', 'email', 'offline_access'] as const;

/** Where a record came from: `toolport.yaml` (reconciled at start), the control plane, or dynamic registration. */
export type Origin = 'config' | 'api' | 'registration';

export interface UserInput {
  username: string;
  password: string;
  email?: string;
}
export interface UserView {
  username: string;
  sub: string;
  email?: string;
  origin: Origin;
  createdAt: string;
}
export interface ResourceServerInput {
  identifier: string;
  name?: string;
  scopes: string[];
}
export interface ResourceServerView extends ResourceServerInput {
  /** Full scope names as clients request them: `{identifier}/{scope}`. */
  fullScopes: string[];
  origin: Origin;
  createdAt: string;
}
export interface ClientInput {
  clientId?: string;
  name?: string;
  /** A given secret, or true to generate one (returned once), or absent for a public client. */
  secret?: string | boolean;
  grants: ClientGrant[];
  scopes?: string[];
  redirectUris?: string[];
  /** Runtime and gateway paths (/runtimes/NAME/invocations, /gateways/NAME/mcp) it may name as `resource`. */
  resources?: string[];
}
export interface ClientView {
  clientId: string;
  name?: string;
  grants: ClientGrant[];
  scopes: string[];
  redirectUris: string[];
  resources: string[];
  confidential: boolean;
  origin: Origin;
  createdAt: string;
  /** Only in the answer to a create that generated it; never stored in clear. */
  secret?: string;
}

/** oidc-provider client metadata as stored (snake_case, RFC 7591). */
export type ClientMetadata = Record<string, unknown> & { client_id: string };

interface UserRow {
  username: string;
  sub: string;
  email: string | null;
  password_hash: string;
  origin: Origin;
  created_at: string;
}
interface ClientRow {
  client_id: string;
  metadata: string;
  secret_hash: string | null;
  sealed_secret: string | null;
  origin: Origin;
  created_at: string;
}
interface ResourceServerRow {
  identifier: string;
  name: string | null;
  scopes: string;
  origin: Origin;
  created_at: string;
}

const USERNAME = /^[A-Za-z0-9][A-Za-z0-9._@+-]{0,127}$/;
const CLIENT_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;
const SCOPE_NAME = /^[\x21\x23-\x2e\x30-\x5b\x5d-\x7e]{1,64}$/; // RFC 6749 §3.3 scope-token, without "/"

function invalid(path: string, message: string): never {
  throw new ConfigError(`${path}: ${message}`, [{ path, message }]);
}

/**
 * Users, clients and resource servers of the authorization server, in the store. Passwords are scrypt hashes, client
 * secrets HMAC-SHA-256 digests keyed by a key derived from the master key (see `digestClientSecret`); a client that may use Cognito's SECRET_HASH also keeps its secret sealed under the master key,
 * because SECRET_HASH is an HMAC keyed by the secret and cannot be checked against a hash.
 */
export class Directory {
  private readonly throttle = new SignInThrottle();
  /** Keys the client-secret digests; derived, so the master key itself never keys anything but sealing. */
  private readonly clientSecretKey: Buffer;
  /** A valid hash of a random secret at this directory's cost, verified against when a username is unknown; made on first use. */
  private dummyHash?: Promise<string>;

  constructor(
    private readonly sql: Sql,
    private readonly masterKey: Buffer,
    /** The scrypt cost of new password hashes; the default outside tests. */
    private readonly scryptCost: ScryptCost = DEFAULT_SCRYPT_COST,
  ) {
    this.clientSecretKey = Buffer.from(hkdfSync('sha256', masterKey, Buffer.alloc(0), 'toolport client secrets', 32));
  }

  // ---- users

  async createUser(input: UserInput, origin: Origin = 'api'): Promise<UserView> {
    if (!USERNAME.test(input.username)) invalid('username', 'use 1-128 letters, digits or . _ @ + -');
    if (input.password.length < 8) invalid('password', 'use at least 8 characters');
    const row: UserRow = {
      username: input.username,
      sub: randomUUID(),
      email: input.email ?? null,
      password_hash: await hashSecret(input.password, this.scryptCost),
      origin,
      created_at: new Date().toISOString(),
    };
    const inserted = await this.sql.run(
      'INSERT INTO identity_users (username, sub, email, password_hash, origin, created_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (username) DO NOTHING',
      [row.username, row.sub, row.email, row.password_hash, row.origin, row.created_at],
    );
    if (!inserted) throw new StoreError('conflict', `a user named "${input.username}" exists; delete it first or pick another name`);
    return userView(row);
  }

  async listUsers(): Promise<UserView[]> {
    return (await this.sql.all<UserRow>('SELECT * FROM identity_users ORDER BY username')).map(userView);
  }

  async userBySub(sub: string): Promise<UserView | undefined> {
    const row = await this.sql.get<UserRow>('SELECT * FROM identity_users WHERE sub = ?', [sub]);
    return row ? userView(row) : undefined;
  }

  async userByName(username: string): Promise<UserView | undefined> {
    const row = await this.sql.get<UserRow>('SELECT * FROM identity_users WHERE username = ?', [username]);
    return row ? userView(row) : undefined;
  }

  /**
   * The user when the password matches; undefined for an unknown user or a wrong password (callers cannot tell
   * which). Throws SignInThrottled while the name is locked after repeated failures.
   */
  async authenticate(username: string, password: string): Promise<UserView | undefined> {
    this.throttle.check(username);
    const row = await this.sql.get<UserRow>('SELECT * FROM identity_users WHERE username = ?', [username]);
    // An unknown user still pays for one hash, so timing does not reveal which usernames exist.
    const ok = await verifySecret(password, row?.password_hash ?? (await (this.dummyHash ??= hashSecret(generateSecret(), this.scryptCost))));
    if (!row || !ok) {
      this.throttle.failed(username);
      return undefined;
    }
    this.throttle.succeeded(username);
    return userView(row);
  }

  async deleteUser(username: string): Promise<void> {
    const row = await this.sql.get<UserRow>('SELECT * FROM identity_users WHERE username = ?', [username]);
    if (!row) throw new StoreError('not_found', `no user named "${username}"`);
    // Tokens and sessions of the user go with it, so a deleted user cannot refresh its way back in.
    await this.sql.batch([
      { sql: 'DELETE FROM identity_users WHERE username = ?', params: [username] },
      { sql: "DELETE FROM identity_oidc WHERE payload LIKE ? ESCAPE '\\'", params: [payloadField('accountId', row.sub)] },
    ]);
  }

  // ---- resource servers

  async createResourceServer(input: ResourceServerInput, origin: Origin = 'api'): Promise<ResourceServerView> {
    checkResourceServer(input);
    const createdAt = new Date().toISOString();
    const inserted = await this.sql.run(
      'INSERT INTO identity_resource_servers (identifier, name, scopes, origin, created_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (identifier) DO NOTHING',
      [input.identifier, input.name ?? null, JSON.stringify(input.scopes), origin, createdAt],
    );
    if (!inserted) throw new StoreError('conflict', `a resource server "${input.identifier}" exists; delete it first`);
    return resourceServerView({ identifier: input.identifier, name: input.name ?? null, scopes: JSON.stringify(input.scopes), origin, created_at: createdAt });
  }

  async listResourceServers(): Promise<ResourceServerView[]> {
    return (await this.sql.all<ResourceServerRow>('SELECT * FROM identity_resource_servers ORDER BY identifier')).map(resourceServerView);
  }

  async deleteResourceServer(identifier: string): Promise<void> {
    if (!(await this.sql.run('DELETE FROM identity_resource_servers WHERE identifier = ?', [identifier]))) {
      throw new StoreError('not_found', `no resource server "${identifier}"`);
    }
  }

  /** Every `{resource-server}/{scope}` that exists now. */
  async allResourceScopes(): Promise<Map<string, ResourceServerView>> {
    const byScope = new Map<string, ResourceServerView>();
    for (const server of await this.listResourceServers()) for (const scope of server.fullScopes) byScope.set(scope, server);
    return byScope;
  }

  // ---- clients

  async createClient(input: ClientInput, origin: Origin = 'api'): Promise<ClientView> {
    const clientId = input.clientId ?? randomUUID().replace(/-/g, '').slice(0, 26);
    if (!CLIENT_ID.test(clientId)) invalid('clientId', 'use 1-128 letters, digits or . _ : -');
    const secret = input.secret === true ? generateSecret() : typeof input.secret === 'string' ? input.secret : undefined;
    await this.checkClient(input, secret);
    const row: ClientRow = {
      client_id: clientId,
      metadata: JSON.stringify(clientMetadata(clientId, input, secret !== undefined)),
      secret_hash: secret === undefined ? null : digestClientSecret(secret, this.clientSecretKey),
      sealed_secret: secret !== undefined && input.grants.includes('password') ? seal(this.masterKey, secret) : null,
      origin,
      created_at: new Date().toISOString(),
    };
    const inserted = await this.sql.run(
      'INSERT INTO identity_clients (client_id, metadata, secret_hash, sealed_secret, origin, created_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (client_id) DO NOTHING',
      [row.client_id, row.metadata, row.secret_hash, row.sealed_secret, row.origin, row.created_at],
    );
    if (!inserted) throw new StoreError('conflict', `a client "${clientId}" exists; delete it first or pick another id`);
    const view = clientView(row);
    return input.secret === true && secret !== undefined ? { ...view, secret } : view;
  }

  private async checkClient(input: ClientInput, secret: string | undefined): Promise<void> {
    if (!input.grants.length) invalid('grants', `give at least one of ${CLIENT_GRANTS.join(', ')}`);
    for (const grant of input.grants) if (!CLIENT_GRANTS.includes(grant)) invalid('grants', `"${grant}" is not one of ${CLIENT_GRANTS.join(', ')}`);
    if (input.grants.includes('client_credentials') && secret === undefined) invalid('secret', 'a client_credentials client needs a secret');
    if (input.grants.includes('client_credentials') && !input.scopes?.length)
      invalid('scopes', 'a client_credentials client needs the resource-server scopes it may get ({resource-server}/{scope})');
    if (secret !== undefined && secret.length < 16) invalid('secret', 'use at least 16 characters (or let Toolport generate one)');
    if (input.grants.includes('authorization_code') && !input.redirectUris?.length)
      invalid('redirectUris', 'an authorization_code client needs at least one redirect URI');
    if (input.grants.includes('refresh_token') && !input.grants.some((g) => g === 'authorization_code' || g === 'password')) {
      invalid('grants', 'refresh_token comes with authorization_code or password');
    }
    const known = await this.allResourceScopes();
    for (const scope of input.scopes ?? []) {
      if (!known.has(scope) && !(OIDC_SCOPES as readonly string[]).includes(scope)) {
        invalid(
          'scopes',
          `"${scope}" is neither a resource-server scope ({resource-server}/{scope}; create the resource server first) nor one of ${OIDC_SCOPES.join(', ')}`,
        );
      }
    }
    for (const path of input.resources ?? []) {
      if (!isResourcePath(path))
        invalid('resources', `"${path}" is not the path of a runtime or gateway here (/runtimes/NAME/invocations, /gateways/NAME/mcp), decoded`);
    }
    for (const uri of input.redirectUris ?? []) {
      const parsed = URL.parse(uri);
      if (!parsed || !['http:', 'https:'].includes(parsed.protocol) || parsed.hash)
        invalid('redirectUris', `"${uri}" is not an absolute http(s) URL without a fragment`);
    }
  }

  async listClients(): Promise<ClientView[]> {
    return (await this.sql.all<ClientRow>('SELECT * FROM identity_clients ORDER BY client_id')).map(clientView);
  }

  async deleteClient(clientId: string): Promise<void> {
    const changes = await this.sql.batch([
      { sql: 'DELETE FROM identity_clients WHERE client_id = ?', params: [clientId] },
      { sql: "DELETE FROM identity_oidc WHERE payload LIKE ? ESCAPE '\\'", params: [payloadField('clientId', clientId)] },
    ]);
    if (!changes[0]) throw new StoreError('not_found', `no client "${clientId}"`);
  }

  /** oidc-provider metadata of a client (the secret field holds the hash, checked by `verifyClientSecret`). */
  async clientMetadata(clientId: string): Promise<ClientMetadata | undefined> {
    const row = await this.sql.get<ClientRow>('SELECT * FROM identity_clients WHERE client_id = ?', [clientId]);
    if (!row) return undefined;
    const metadata = JSON.parse(row.metadata) as ClientMetadata;
    return row.secret_hash ? { ...metadata, client_secret: row.secret_hash } : metadata;
  }

  /** Stores a dynamically registered client (RFC 7591); they are public (no secret), as registration allows. */
  async saveRegisteredClient(metadata: ClientMetadata): Promise<void> {
    await this.sql.run(
      `INSERT INTO identity_clients (client_id, metadata, secret_hash, sealed_secret, origin, created_at) VALUES (?, ?, NULL, NULL, 'registration', ?)
       ON CONFLICT (client_id) DO UPDATE SET metadata = excluded.metadata`,
      [metadata.client_id, JSON.stringify(metadata), new Date().toISOString()],
    );
  }

  async deleteRegisteredClient(clientId: string): Promise<void> {
    await this.sql.run("DELETE FROM identity_clients WHERE client_id = ? AND origin = 'registration'", [clientId]);
  }

  /**
   * Checks a presented secret against the stored digest. A scrypt hash from before digests is checked once more and,
   * when the secret matches, replaced by its digest, so each client pays the slow KDF at most once after upgrading.
   */
  async verifyClientSecret(clientId: string, stored: string, presented: string): Promise<boolean> {
    if (isClientSecretDigest(stored)) return verifyClientSecretDigest(presented, stored, this.clientSecretKey);
    // When too many checks wait for the KDF, fail this one at once (invalid_client) rather than queue it.
    const matches = await verifySecret(presented, stored).catch((error: unknown) => {
      if (error instanceof SignInThrottled) return false;
      throw error;
    });
    if (!matches) return false;
    await this.sql.run('UPDATE identity_clients SET secret_hash = ? WHERE client_id = ? AND secret_hash = ?', [
      digestClientSecret(presented, this.clientSecretKey),
      clientId,
      stored,
    ]);
    return true;
  }

  /** The clear secret of a client allowed to use Cognito's SECRET_HASH; undefined for a public client. */
  async cognitoSecret(clientId: string): Promise<string | undefined> {
    const row = await this.sql.get<ClientRow>('SELECT * FROM identity_clients WHERE client_id = ?', [clientId]);
    return row?.sealed_secret ? open(this.masterKey, row.sealed_secret).toString('utf8') : undefined;
  }

  // ---- toolport.yaml

  /**
   * Makes the store match the `identity:` section: declared entries are created or updated (a changed password or
   * secret is re-hashed), and entries an earlier config declared but this one drops are deleted. Entries made
   * through the API or registration are left alone.
   */
  async applyConfig(config: IdentityDeclarations): Promise<void> {
    const servers = new Map((await this.listResourceServers()).map((s) => [s.identifier, s]));
    for (const server of config.resourceServers) {
      checkResourceServer(server);
      const existing = servers.get(server.identifier);
      if (existing && existing.origin !== 'config')
        invalid(`identity.resourceServers`, `"${server.identifier}" was created through the API; delete it or rename this entry`);
      await this.sql.run(
        `INSERT INTO identity_resource_servers (identifier, name, scopes, origin, created_at) VALUES (?, ?, ?, 'config', ?)
         ON CONFLICT (identifier) DO UPDATE SET name = excluded.name, scopes = excluded.scopes`,
        [server.identifier, server.name ?? null, JSON.stringify(server.scopes), new Date().toISOString()],
      );
    }
    for (const server of servers.values()) {
      if (server.origin === 'config' && !config.resourceServers.some((s) => s.identifier === server.identifier))
        await this.deleteResourceServer(server.identifier);
    }

    const clients = new Map((await this.sql.all<ClientRow>('SELECT * FROM identity_clients')).map((row) => [row.client_id, row]));
    for (const client of config.clients) {
      const existing = clients.get(client.clientId);
      if (existing && existing.origin !== 'config')
        invalid('identity.clients', `"${client.clientId}" was created through the API or registration; delete it or rename this entry`);
      await this.checkClient(client, client.secret);
      const secretHash = client.secret === undefined ? null : digestClientSecret(client.secret, this.clientSecretKey);
      await this.sql.run(
        `INSERT INTO identity_clients (client_id, metadata, secret_hash, sealed_secret, origin, created_at) VALUES (?, ?, ?, ?, 'config', ?)
         ON CONFLICT (client_id) DO UPDATE SET metadata = excluded.metadata, secret_hash = excluded.secret_hash, sealed_secret = excluded.sealed_secret`,
        [
          client.clientId,
          JSON.stringify(clientMetadata(client.clientId, client, client.secret !== undefined)),
          secretHash,
          client.secret !== undefined && client.grants.includes('password') ? seal(this.masterKey, client.secret) : null,
          new Date().toISOString(),
        ],
      );
    }
    for (const row of clients.values()) {
      if (row.origin === 'config' && !config.clients.some((c) => c.clientId === row.client_id)) await this.deleteClient(row.client_id);
    }

    const users = new Map((await this.sql.all<UserRow>('SELECT * FROM identity_users')).map((row) => [row.username, row]));
    for (const user of config.users) {
      const existing = users.get(user.username);
      if (!existing) {
        await this.createUser(user, 'config');
        continue;
      }
      if (existing.origin !== 'config') invalid('identity.users', `"${user.username}" was created through the API; delete it or rename this entry`);
      const samePassword = await verifySecret(user.password, existing.password_hash, false);
      await this.sql.run('UPDATE identity_users SET email = ?, password_hash = ? WHERE username = ?', [
        user.email ?? null,
        samePassword ? existing.password_hash : await hashSecret(user.password, this.scryptCost),
        user.username,
      ]);
    }
    for (const row of users.values()) {
      if (row.origin === 'config' && !config.users.some((u) => u.username === row.username)) await this.deleteUser(row.username);
    }
  }
}

/** The `identity:` section with `env:NAME` values already resolved. */
export interface IdentityDeclarations {
  users: UserInput[];
  resourceServers: ResourceServerInput[];
  clients: (ClientInput & { clientId: string; secret?: string })[];
}

/** A LIKE pattern matching `"field":"value"` inside a stored JSON payload, with LIKE's wildcards escaped. */
const payloadField = (field: string, value: string): string =>
  `%${JSON.stringify({ [field]: value })
    .slice(1, -1)
    .replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

function checkResourceServer(input: ResourceServerInput): void {
  if (!/^[^\s/]{1,200}$/.test(input.identifier) && !URL.canParse(input.identifier)) {
    invalid('identifier', 'use a name without spaces or "/" (e.g. gateway), or an absolute URL');
  }
  for (const scope of input.scopes)
    if (!SCOPE_NAME.test(scope)) invalid('scopes', `"${scope}" is not a valid scope name (no spaces, quotes, backslashes or "/")`);
}

function clientMetadata(clientId: string, input: ClientInput, confidential: boolean): ClientMetadata {
  const oauthGrants = input.grants.filter((g) => g !== 'password');
  const redirectUris = input.redirectUris ?? [];
  const scopes = input.scopes ?? [];
  const oidcScopes = scopes.filter((scope) => (OIDC_SCOPES as readonly string[]).includes(scope));
  const resourceScopes = scopes.filter((scope) => !(OIDC_SCOPES as readonly string[]).includes(scope));
  return {
    client_id: clientId,
    ...(input.name ? { client_name: input.name } : {}),
    // A Cognito-only client (USER_PASSWORD_AUTH) still needs one OAuth grant on record; refresh_token grants nothing alone.
    grant_types: oauthGrants.length ? oauthGrants : ['refresh_token'],
    response_types: input.grants.includes('authorization_code') ? ['code'] : [],
    redirect_uris: redirectUris,
    // oidc-provider's `scope` holds OpenID scopes only; resource-server scopes live in toolport_scopes.
    ...(oidcScopes.length ? { scope: oidcScopes.join(' ') } : {}),
    ...(resourceScopes.length ? { toolport_scopes: resourceScopes.join(' ') } : {}),
    ...(input.resources?.length ? { toolport_resources: input.resources.join(' ') } : {}),
    token_endpoint_auth_method: confidential ? 'client_secret_basic' : 'none',
    toolport_password_auth: input.grants.includes('password'),
  };
}

function userView(row: UserRow): UserView {
  return { username: row.username, sub: row.sub, ...(row.email ? { email: row.email } : {}), origin: row.origin, createdAt: row.created_at };
}

function resourceServerView(row: ResourceServerRow): ResourceServerView {
  const scopes = JSON.parse(row.scopes) as string[];
  return {
    identifier: row.identifier,
    ...(row.name ? { name: row.name } : {}),
    scopes,
    fullScopes: scopes.map((scope) => `${row.identifier}/${scope}`),
    origin: row.origin,
    createdAt: row.created_at,
  };
}

function clientView(row: ClientRow): ClientView {
  const metadata = JSON.parse(row.metadata) as {
    client_name?: string;
    grant_types?: string[];
    scope?: string;
    toolport_scopes?: string;
    toolport_resources?: string;
    redirect_uris?: string[];
    toolport_password_auth?: boolean;
  };
  const grants = (metadata.grant_types ?? []).filter((g): g is ClientGrant => (CLIENT_GRANTS as readonly string[]).includes(g));
  if (metadata.toolport_password_auth) grants.push('password');
  return {
    clientId: row.client_id,
    ...(metadata.client_name ? { name: metadata.client_name } : {}),
    grants,
    scopes: [metadata.scope, metadata.toolport_scopes].filter(Boolean).join(' ').split(' ').filter(Boolean),
    redirectUris: metadata.redirect_uris ?? [],
    resources: metadata.toolport_resources?.split(' ') ?? [],
    confidential: row.secret_hash !== null,
    origin: row.origin,
    createdAt: row.created_at,
  };
}
