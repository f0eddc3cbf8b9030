/** A SQL dialect a migration can target. */
export type Dialect = 'sqlite' | 'postgres';

/** One schema change, applied once and recorded in `schema_migrations` by its id. */
export interface Migration {
  id: string;
  sql: Record<Dialect, string>;
}

/** Created before anything else so the runner can tell which migrations have already run. */
export const SCHEMA_MIGRATIONS_SQL = `
CREATE TABLE IF NOT EXISTS schema_migrations (
  id TEXT PRIMARY KEY,
  applied_at TEXT NOT NULL
)`;

const portable = (sql: string): Record<Dialect, string> => ({ sqlite: sql, postgres: sql });

/**
 * Every migration in apply order; append only, never edit one that has shipped.
 * Timestamps are ISO-8601 TEXT written by the application so both backends return the same strings.
 */
export const MIGRATIONS: readonly Migration[] = [
  {
    id: '0001_runtimes',
    sql: portable(`
CREATE TABLE runtimes (
  name TEXT PRIMARY KEY,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  latest_version INTEGER NOT NULL
);
CREATE TABLE runtime_versions (
  runtime TEXT NOT NULL REFERENCES runtimes(name) ON DELETE CASCADE,
  version INTEGER NOT NULL,
  spec TEXT NOT NULL,
  created_at TEXT NOT NULL,
  PRIMARY KEY (runtime, version)
);
-- Referencing the version row makes a dangling endpoint impossible and lets deletes cascade.
CREATE TABLE runtime_endpoints (
  runtime TEXT NOT NULL,
  endpoint TEXT NOT NULL,
  version INTEGER NOT NULL,
  PRIMARY KEY (runtime, endpoint),
  FOREIGN KEY (runtime, version) REFERENCES runtime_versions(runtime, version) ON DELETE CASCADE
);
CREATE INDEX runtime_endpoints_version ON runtime_endpoints(runtime, version);
`),
  },
  {
    // Gateways (src/gateway): specs as JSON, each target's last synced catalog, and the audit log of tool calls.
    id: '0004_gateways',
    sql: portable(`
CREATE TABLE gateways (
  name TEXT PRIMARY KEY,
  spec TEXT NOT NULL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE TABLE gateway_targets (
  gateway TEXT NOT NULL REFERENCES gateways(name) ON DELETE CASCADE,
  name TEXT NOT NULL,
  spec TEXT NOT NULL,
  -- Relative paths in the spec resolve against this (the config file's folder, or the server's cwd for API-made ones).
  base_dir TEXT NOT NULL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  PRIMARY KEY (gateway, name)
);
CREATE TABLE gateway_catalogs (
  gateway TEXT NOT NULL,
  target TEXT NOT NULL,
  catalog TEXT NOT NULL,
  synced_at TEXT,
  stale INTEGER NOT NULL,
  last_error TEXT,
  problems TEXT NOT NULL,
  PRIMARY KEY (gateway, target),
  FOREIGN KEY (gateway, target) REFERENCES gateway_targets(gateway, name) ON DELETE CASCADE
);
CREATE TABLE gateway_calls (
  request_id TEXT PRIMARY KEY,
  at TEXT NOT NULL,
  gateway TEXT NOT NULL,
  subject TEXT,
  client TEXT,
  tool TEXT NOT NULL,
  target TEXT,
  status TEXT NOT NULL,
  latency_ms REAL NOT NULL,
  error TEXT,
  arguments TEXT
);
CREATE INDEX gateway_calls_by_time ON gateway_calls(gateway, at);
`),
  },
  {
    // Identity's authorization server (src/identity/server): oidc-provider's records, signing keys (private parts sealed
    // with the master key), users (scrypt hashes), clients (scrypt-hashed secrets) and resource servers.
    id: '0002_identity',
    sql: portable(`
CREATE TABLE identity_oidc (
  model TEXT NOT NULL,
  id TEXT NOT NULL,
  payload TEXT NOT NULL,
  grant_id TEXT,
  user_code TEXT,
  uid TEXT,
  expires_at INTEGER,
  consumed_at INTEGER,
  PRIMARY KEY (model, id)
);
CREATE INDEX identity_oidc_grant ON identity_oidc(model, grant_id);
CREATE INDEX identity_oidc_uid ON identity_oidc(model, uid);
CREATE INDEX identity_oidc_expiry ON identity_oidc(expires_at);
CREATE TABLE identity_keys (
  kid TEXT PRIMARY KEY,
  kind TEXT NOT NULL,
  sealed TEXT NOT NULL,
  created_at TEXT NOT NULL,
  retired_at TEXT
);
CREATE TABLE identity_users (
  username TEXT PRIMARY KEY,
  sub TEXT NOT NULL UNIQUE,
  email TEXT,
  password_hash TEXT NOT NULL,
  origin TEXT NOT NULL,
  created_at TEXT NOT NULL
);
CREATE TABLE identity_clients (
  client_id TEXT PRIMARY KEY,
  metadata TEXT NOT NULL,
  secret_hash TEXT,
  sealed_secret TEXT,
  origin TEXT NOT NULL,
  created_at TEXT NOT NULL
);
CREATE TABLE identity_resource_servers (
  identifier TEXT PRIMARY KEY,
  name TEXT,
  scopes TEXT NOT NULL,
  origin TEXT NOT NULL,
  created_at TEXT NOT NULL
);
`),
  },
  {
    // Identity's vault (src/identity/vault) and SigV4 access keys. Every secret column holds an AES-256-GCM sealed
    // value (master-key.ts); consent states are stored as SHA-256 hashes, since the plain state travels in URLs.
    id: '0003_vault',
    sql: portable(`
CREATE TABLE vault_providers (
  name TEXT PRIMARY KEY,
  type TEXT NOT NULL,
  settings TEXT NOT NULL,
  secret TEXT,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE TABLE vault_user_tokens (
  provider TEXT NOT NULL REFERENCES vault_providers(name) ON DELETE CASCADE,
  user_id TEXT NOT NULL,
  scopes TEXT NOT NULL,
  tokens TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  PRIMARY KEY (provider, user_id)
);
CREATE TABLE vault_consents (
  state_hash TEXT PRIMARY KEY,
  provider TEXT NOT NULL REFERENCES vault_providers(name) ON DELETE CASCADE,
  user_id TEXT NOT NULL,
  scopes TEXT NOT NULL,
  verifier TEXT NOT NULL,
  expires_at TEXT NOT NULL
);
CREATE TABLE identity_access_keys (
  access_key_id TEXT PRIMARY KEY,
  owner TEXT NOT NULL,
  description TEXT,
  secret TEXT NOT NULL,
  created_at TEXT NOT NULL
);
`),
  },
];

/** The migrations not yet in `applied`, in order. */
export function pendingMigrations(applied: Iterable<string>): Migration[] {
  const done = new Set(applied);
  return MIGRATIONS.filter((m) => !done.has(m.id));
}
