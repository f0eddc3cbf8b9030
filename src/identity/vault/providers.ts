import { credentialProviderSchema, resolveEnvRef, validate, type CredentialProviderSpec } from '../../config/index.js';
import type { Sql } from '../../store/index.js';
import { open, seal } from '../master-key.js';
import { VaultError } from './errors.js';
import { discoverySource } from './oauth.js';

/** A credential provider as listings show it: every setting except the secret. */
export type CredentialProviderInfo = (
  Omit<Extract<CredentialProviderSpec, { type: 'apiKey' }>, 'apiKey'> | Omit<Extract<CredentialProviderSpec, { type: 'oauth2' }>, 'clientSecret'>
) & {
  hasSecret: boolean;
  createdAt: string;
  updatedAt: string;
};

/** A provider with its secret opened, for use inside the vault only. */
export type CredentialProvider = CredentialProviderSpec;

interface ProviderRow {
  name: string;
  type: string;
  settings: string;
  secret: string | null;
  created_at: string;
  updated_at: string;
}

/** The secret of a spec: an API key's value or an OAuth client's secret. */
function secretOf(spec: CredentialProviderSpec): string | undefined {
  return spec.type === 'apiKey' ? spec.apiKey : spec.clientSecret;
}

function withoutSecret(spec: CredentialProviderSpec): Record<string, unknown> {
  const { apiKey: _key, clientSecret: _secret, ...settings } = spec as CredentialProviderSpec & { apiKey?: string; clientSecret?: string };
  return settings;
}

/** Credential providers in the store (`vault_providers`); the secret column is sealed with the master key. */
export class ProviderRecords {
  constructor(
    private readonly sql: Sql,
    private readonly key: Buffer,
    private readonly env: NodeJS.ProcessEnv,
  ) {}

  /** Validates, resolves `env:NAME` secrets and stores a provider; `replace` overwrites one of the same name. */
  async save(input: unknown, replace: boolean): Promise<CredentialProviderInfo> {
    const spec = validate(credentialProviderSchema, input, 'the credential');
    if (spec.type === 'oauth2' && spec.discoveryUrl) discoverySource(spec.name, spec.discoveryUrl); // refused now, not at its first token
    const secret = this.resolve(spec, secretOf(spec));
    const now = new Date().toISOString();
    const values = [spec.name, spec.type, JSON.stringify(withoutSecret(spec)), secret === undefined ? null : seal(this.key, secret), now, now];
    const changed = await this.sql.run(
      `INSERT INTO vault_providers (name, type, settings, secret, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (name) DO ${replace ? 'UPDATE SET type = excluded.type, settings = excluded.settings, secret = excluded.secret, updated_at = excluded.updated_at' : 'NOTHING'}`,
      values,
    );
    if (changed === 0)
      throw new VaultError('conflict', `credential "${spec.name}" already exists; delete it first (toolport identity credential delete ${spec.name})`);
    return (await this.info(spec.name)) as CredentialProviderInfo;
  }

  private resolve(spec: CredentialProviderSpec, value: string | undefined): string | undefined {
    if (value === undefined) return value;
    const resolved = resolveEnvRef(value, this.env);
    if (!resolved) throw new VaultError('invalid', `credential "${spec.name}" takes its secret from ${value}, which is not set in Toolport's environment`);
    return resolved;
  }

  /** The provider with its secret decrypted; throws `not_found`. */
  async load(name: string): Promise<CredentialProvider> {
    const row = await this.sql.get<ProviderRow>('SELECT * FROM vault_providers WHERE name = ?', [name]);
    if (!row) throw new VaultError('not_found', `no credential named "${name}"; list them with: toolport identity credential list`);
    const settings = JSON.parse(row.settings) as Record<string, unknown>;
    const secret = row.secret === null ? undefined : open(this.key, row.secret).toString('utf8');
    const field = row.type === 'apiKey' ? 'apiKey' : 'clientSecret';
    return { ...settings, ...(secret === undefined ? {} : { [field]: secret }) } as CredentialProvider;
  }

  private toInfo(row: ProviderRow): CredentialProviderInfo {
    return { ...(JSON.parse(row.settings) as CredentialProviderInfo), hasSecret: row.secret !== null, createdAt: row.created_at, updatedAt: row.updated_at };
  }

  async info(name: string): Promise<CredentialProviderInfo | undefined> {
    const row = await this.sql.get<ProviderRow>('SELECT * FROM vault_providers WHERE name = ?', [name]);
    return row && this.toInfo(row);
  }

  async list(): Promise<CredentialProviderInfo[]> {
    return (await this.sql.all<ProviderRow>('SELECT * FROM vault_providers ORDER BY name')).map((row) => this.toInfo(row));
  }

  /** Deletes a provider and (by cascade) its users' tokens and pending consents. */
  async delete(name: string): Promise<boolean> {
    return (await this.sql.run('DELETE FROM vault_providers WHERE name = ?', [name])) > 0;
  }
}
