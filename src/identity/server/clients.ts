import { hkdfSync, randomUUID } from 'node:crypto';
import { StoreError, type Sql } from '../../store/index.js';
import { open, seal } from '../master-key.js';
import { isResourcePath } from '../platform-resource.js';
import { digestClientSecret, generateSecret, isClientSecretDigest, verifyClientSecretDigest, verifySecret } from './passwords.js';
import { invalid, payloadField, type Origin } from './records.js';
import type { ResourceServerRecords } from './resource-servers.js';
import { SignInThrottled } from './throttle.js';

/** Grants a Toolport client may hold; `password` is Cognito's USER_PASSWORD_AUTH at /identity/cognito. */
export const CLIENT_GRANTS = ['client_credentials', 'authorization_code', 'refresh_token', 'password'] as const;
export type ClientGrant = (typeof CLIENT_GRANTS)[number];
/** OpenID scopes every user-facing client may ask for, besides resource-server scopes. */
export const OIDC_SCOPES = ['openid', 'profile', 'email', 'offline_access'] as const;

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
/** A client as `toolport.yaml` declares it: its id given, its secret (if any) already resolved. */
export type DeclaredClient = ClientInput & { clientId: string; secret?: string };

/** oidc-provider client metadata as stored (snake_case, RFC 7591). */
export type ClientMetadata = Record<string, unknown> & { client_id: string };

interface ClientRow {
  client_id: string;
  metadata: string;
  secret_hash: string | null;
  sealed_secret: string | null;
  origin: Origin;
  created_at: string;
}

const CLIENT_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;

/**
 * OAuth clients (`identity_clients`). Secrets are HMAC-SHA-256 digests keyed by a key derived from the master key (see
 * `digestClientSecret`); a client that may use Cognito's SECRET_HASH also keeps its secret sealed under the master key,
 * because SECRET_HASH is an HMAC keyed by the secret and cannot be checked against a hash.
 */
export class ClientRecords {
  /** Keys the client-secret digests; derived, so the master key itself never keys anything but sealing. */
  private readonly secretKey: Buffer;

  constructor(
    private readonly sql: Sql,
    private readonly masterKey: Buffer,
    /** The scopes a client may name are those of these resource servers (and OpenID's). */
    private readonly resourceServers: ResourceServerRecords,
  ) {
    this.secretKey = Buffer.from(hkdfSync('sha256', masterKey, Buffer.alloc(0), 'toolport client secrets', 32));
  }

  async create(input: ClientInput, origin: Origin = 'api'): Promise<ClientView> {
    const clientId = input.clientId ?? randomUUID().replace(/-/g, '').slice(0, 26);
    if (!CLIENT_ID.test(clientId)) invalid('clientId', 'use 1-128 letters, digits or . _ : -');
    const secret = input.secret === true ? generateSecret() : typeof input.secret === 'string' ? input.secret : undefined;
    await this.check(input, secret);
    const row: ClientRow = {
      client_id: clientId,
      metadata: JSON.stringify(clientMetadata(clientId, input, secret !== undefined)),
      secret_hash: secret === undefined ? null : digestClientSecret(secret, this.secretKey),
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

  private async check(input: ClientInput, secret: string | undefined): Promise<void> {
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
    const known = await this.resourceServers.allScopes();
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

  async list(): Promise<ClientView[]> {
    return (await this.sql.all<ClientRow>('SELECT * FROM identity_clients ORDER BY client_id')).map(clientView);
  }

  async delete(clientId: string): Promise<void> {
    const changes = await this.sql.batch([
      { sql: 'DELETE FROM identity_clients WHERE client_id = ?', params: [clientId] },
      { sql: "DELETE FROM identity_oidc WHERE payload LIKE ? ESCAPE '\\'", params: [payloadField('clientId', clientId)] },
    ]);
    if (!changes[0]) throw new StoreError('not_found', `no client "${clientId}"`);
  }

  /** oidc-provider metadata of a client (the secret field holds the hash, checked by `verifySecret`). */
  async metadata(clientId: string): Promise<ClientMetadata | undefined> {
    const row = await this.sql.get<ClientRow>('SELECT * FROM identity_clients WHERE client_id = ?', [clientId]);
    if (!row) return undefined;
    const metadata = JSON.parse(row.metadata) as ClientMetadata;
    return row.secret_hash ? { ...metadata, client_secret: row.secret_hash } : metadata;
  }

  /** Stores a dynamically registered client (RFC 7591); they are public (no secret), as registration allows. */
  async saveRegistered(metadata: ClientMetadata): Promise<void> {
    await this.sql.run(
      `INSERT INTO identity_clients (client_id, metadata, secret_hash, sealed_secret, origin, created_at) VALUES (?, ?, NULL, NULL, 'registration', ?)
       ON CONFLICT (client_id) DO UPDATE SET metadata = excluded.metadata`,
      [metadata.client_id, JSON.stringify(metadata), new Date().toISOString()],
    );
  }

  async deleteRegistered(clientId: string): Promise<void> {
    await this.sql.run("DELETE FROM identity_clients WHERE client_id = ? AND origin = 'registration'", [clientId]);
  }

  /**
   * Checks a presented secret against the stored digest. A scrypt hash from before digests is checked once more and,
   * when the secret matches, replaced by its digest, so each client pays the slow KDF at most once after upgrading.
   */
  async verifySecret(clientId: string, stored: string, presented: string): Promise<boolean> {
    if (isClientSecretDigest(stored)) return verifyClientSecretDigest(presented, stored, this.secretKey);
    // When too many checks wait for the KDF, fail this one at once (invalid_client) rather than queue it.
    const matches = await verifySecret(presented, stored).catch((error: unknown) => {
      if (error instanceof SignInThrottled) return false;
      throw error;
    });
    if (!matches) return false;
    await this.sql.run('UPDATE identity_clients SET secret_hash = ? WHERE client_id = ? AND secret_hash = ?', [
      digestClientSecret(presented, this.secretKey),
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

  /** Creates or updates the declared clients (a changed secret is re-digested) and deletes those a config dropped. */
  async applyConfig(declared: DeclaredClient[]): Promise<void> {
    const clients = new Map((await this.sql.all<ClientRow>('SELECT * FROM identity_clients')).map((row) => [row.client_id, row]));
    for (const client of declared) {
      const existing = clients.get(client.clientId);
      if (existing && existing.origin !== 'config')
        invalid('identity.clients', `"${client.clientId}" was created through the API or registration; delete it or rename this entry`);
      await this.check(client, client.secret);
      const secretHash = client.secret === undefined ? null : digestClientSecret(client.secret, this.secretKey);
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
      if (row.origin === 'config' && !declared.some((c) => c.clientId === row.client_id)) await this.delete(row.client_id);
    }
  }
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
