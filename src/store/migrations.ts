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
];

/** The migrations not yet in `applied`, in order. */
export function pendingMigrations(applied: Iterable<string>): Migration[] {
  const done = new Set(applied);
  return MIGRATIONS.filter((m) => !done.has(m.id));
}
