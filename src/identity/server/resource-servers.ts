import { StoreError, type Sql } from '../../store/index.js';
import { invalid, type Origin } from './records.js';

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

interface ResourceServerRow {
  identifier: string;
  name: string | null;
  scopes: string;
  origin: Origin;
  created_at: string;
}

const SCOPE_NAME = /^[\x21\x23-\x2e\x30-\x5b\x5d-\x7e]{1,64}$/; // RFC 6749 §3.3 scope-token, without "/"

/** Resource servers (`identity_resource_servers`): the APIs tokens are for, and the scopes each defines. */
export class ResourceServerRecords {
  constructor(private readonly sql: Sql) {}

  async create(input: ResourceServerInput, origin: Origin = 'api'): Promise<ResourceServerView> {
    checkResourceServer(input);
    const createdAt = new Date().toISOString();
    const inserted = await this.sql.run(
      'INSERT INTO identity_resource_servers (identifier, name, scopes, origin, created_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (identifier) DO NOTHING',
      [input.identifier, input.name ?? null, JSON.stringify(input.scopes), origin, createdAt],
    );
    if (!inserted) throw new StoreError('conflict', `a resource server "${input.identifier}" exists; delete it first`);
    return resourceServerView({ identifier: input.identifier, name: input.name ?? null, scopes: JSON.stringify(input.scopes), origin, created_at: createdAt });
  }

  async list(): Promise<ResourceServerView[]> {
    return (await this.sql.all<ResourceServerRow>('SELECT * FROM identity_resource_servers ORDER BY identifier')).map(resourceServerView);
  }

  async delete(identifier: string): Promise<void> {
    if (!(await this.sql.run('DELETE FROM identity_resource_servers WHERE identifier = ?', [identifier]))) {
      throw new StoreError('not_found', `no resource server "${identifier}"`);
    }
  }

  /** Every `{resource-server}/{scope}` that exists now. */
  async allScopes(): Promise<Map<string, ResourceServerView>> {
    const byScope = new Map<string, ResourceServerView>();
    for (const server of await this.list()) for (const scope of server.fullScopes) byScope.set(scope, server);
    return byScope;
  }

  /** Creates or updates the declared resource servers and deletes those a config dropped. */
  async applyConfig(declared: ResourceServerInput[]): Promise<void> {
    const servers = new Map((await this.list()).map((s) => [s.identifier, s]));
    for (const server of declared) {
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
      if (server.origin === 'config' && !declared.some((s) => s.identifier === server.identifier)) await this.delete(server.identifier);
    }
  }
}

function checkResourceServer(input: ResourceServerInput): void {
  if (!/^[^\s/]{1,200}$/.test(input.identifier) && !URL.canParse(input.identifier)) {
    invalid('identifier', 'use a name without spaces or "/" (e.g. gateway), or an absolute URL');
  }
  for (const scope of input.scopes)
    if (!SCOPE_NAME.test(scope)) invalid('scopes', `"${scope}" is not a valid scope name (no spaces, quotes, backslashes or "/")`);
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
