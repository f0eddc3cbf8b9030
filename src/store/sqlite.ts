import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { RuntimeSpec } from '../config/index.js';
import { pendingMigrations, SCHEMA_MIGRATIONS_SQL } from './migrations.js';
import { RUNTIME_SELECT, toRecord, toVersion, type EndpointRow, type RuntimeRow, type VersionRow } from './rows.js';
import { sqliteSql } from './sql.js';
import { StoreError, type RuntimeRecord, type Store } from './types.js';

/** Versions are positive INTEGERs; anything else cannot name a stored version (and would make PostgreSQL throw). */
const isVersion = (v: number): boolean => Number.isInteger(v) && v >= 1 && v <= 2 ** 31 - 1;

function migrate(db: Database.Database): void {
  db.exec(SCHEMA_MIGRATIONS_SQL);
  // IMMEDIATE takes the write lock up front, so two processes opening a fresh file migrate one after the other.
  db.transaction(() => {
    const applied = db.prepare('SELECT id FROM schema_migrations').pluck().all() as string[];
    for (const m of pendingMigrations(applied)) {
      db.exec(m.sql.sqlite);
      db.prepare('INSERT INTO schema_migrations (id, applied_at) VALUES (?, ?)').run(m.id, new Date().toISOString());
    }
  }).immediate();
}

/** Opens (creating if needed) a SQLite store at `file` and brings its schema up to date. */
export async function openSqliteStore(file: string): Promise<Store> {
  let db: Database.Database;
  try {
    if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
    db = new Database(file);
    db.pragma('journal_mode = WAL');
    db.pragma('busy_timeout = 5000');
    db.pragma('foreign_keys = ON');
    migrate(db);
  } catch (err) {
    throw new StoreError('unavailable', `cannot open SQLite database ${file}: ${(err as Error).message}`);
  }

  const q = {
    runtime: db.prepare<[string], RuntimeRow>(`${RUNTIME_SELECT} WHERE r.name = ?`),
    runtimes: db.prepare<[], RuntimeRow>(`${RUNTIME_SELECT} ORDER BY r.name`),
    endpoints: db.prepare<[string], EndpointRow>('SELECT * FROM runtime_endpoints WHERE runtime = ? ORDER BY endpoint'),
    allEndpoints: db.prepare<[], EndpointRow>('SELECT * FROM runtime_endpoints ORDER BY runtime, endpoint'),
    insertRuntime: db.prepare('INSERT INTO runtimes (name, created_at, updated_at, latest_version) VALUES (?, ?, ?, 1) ON CONFLICT (name) DO NOTHING'),
    bumpRuntime: db.prepare<[string, string], { latest_version: number }>(
      'UPDATE runtimes SET latest_version = latest_version + 1, updated_at = ? WHERE name = ? RETURNING latest_version',
    ),
    insertVersion: db.prepare('INSERT INTO runtime_versions (runtime, version, spec, created_at) VALUES (?, ?, ?, ?)'),
    version: db.prepare<[string, number], VersionRow>('SELECT * FROM runtime_versions WHERE runtime = ? AND version = ?'),
    versions: db.prepare<[string], VersionRow>('SELECT * FROM runtime_versions WHERE runtime = ? ORDER BY version'),
    upsertEndpoint: db.prepare(
      `INSERT INTO runtime_endpoints (runtime, endpoint, version) VALUES (?, ?, ?)
       ON CONFLICT (runtime, endpoint) DO UPDATE SET version = excluded.version`,
    ),
    deleteEndpoint: db.prepare('DELETE FROM runtime_endpoints WHERE runtime = ? AND endpoint = ?'),
    deleteRuntime: db.prepare('DELETE FROM runtimes WHERE name = ?'),
  };

  const get = db.transaction((name: string): RuntimeRecord | undefined => {
    const row = q.runtime.get(name);
    return row && toRecord(row, q.endpoints.all(name));
  });
  const mustGet = (name: string): RuntimeRecord => {
    const record = get(name);
    if (!record) throw new StoreError('not_found', `runtime ${name} not found`);
    return record;
  };

  const create = db.transaction((name: string, spec: RuntimeSpec) => {
    const now = new Date().toISOString();
    if (q.insertRuntime.run(name, now, now).changes === 0) throw new StoreError('conflict', `runtime ${name} already exists`);
    q.insertVersion.run(name, 1, JSON.stringify(spec), now);
    return mustGet(name);
  });

  const update = db.transaction((name: string, spec: RuntimeSpec) => {
    const now = new Date().toISOString();
    const bumped = q.bumpRuntime.get(now, name);
    if (!bumped) throw new StoreError('not_found', `runtime ${name} not found`);
    q.insertVersion.run(name, bumped.latest_version, JSON.stringify(spec), now);
    return mustGet(name);
  });

  const list = db.transaction(() => {
    const endpoints = q.allEndpoints.all();
    return q.runtimes.all().map((row) =>
      toRecord(
        row,
        endpoints.filter((e) => e.runtime === row.name),
      ),
    );
  });

  const setEndpoint = db.transaction((name: string, endpoint: string, version: number) => {
    if (endpoint === 'DEFAULT') throw new StoreError('invalid', 'DEFAULT is reserved; it always follows the latest version');
    mustGet(name);
    if (!isVersion(version) || !q.version.get(name, version)) throw new StoreError('not_found', `runtime ${name} has no version ${version}`);
    q.upsertEndpoint.run(name, endpoint, version);
    return mustGet(name);
  });

  return {
    kind: 'sqlite',
    sql: sqliteSql(db),
    createRuntime: async (name, spec) => create(name, spec),
    updateRuntime: async (name, spec) => update(name, spec),
    getRuntime: async (name) => get(name),
    listRuntimes: async () => list(),
    deleteRuntime: async (name) => q.deleteRuntime.run(name).changes > 0,
    getRuntimeVersion: async (name, version) => {
      const row = isVersion(version) ? q.version.get(name, version) : undefined;
      return row && toVersion(row);
    },
    listRuntimeVersions: async (name) => q.versions.all(name).map(toVersion),
    setEndpoint: async (name, endpoint, version) => setEndpoint(name, endpoint, version),
    deleteEndpoint: async (name, endpoint) => q.deleteEndpoint.run(name, endpoint).changes > 0,
    close: async () => {
      if (db.open) db.close();
    },
  };
}
