import pg from 'pg';
import { pendingMigrations, SCHEMA_MIGRATIONS_SQL } from './migrations.js';
import { RUNTIME_SELECT, toRecord, toVersion, type EndpointRow, type RuntimeRow, type VersionRow } from './rows.js';
import { postgresSql } from './sql.js';
import { StoreError, type RuntimeRecord, type Store } from './types.js';

// Lower-case only: an unquoted name in search_path is folded to lower case.
const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/** Versions are positive INTEGERs; anything else cannot name a stored version (and would make PostgreSQL throw). */
const isVersion = (v: number): boolean => Number.isInteger(v) && v >= 1 && v <= 2 ** 31 - 1;

/** Splits off `?schema=` and returns what error messages may show (host:port, never credentials). */
function parseUrl(url: string): { connectionString: string; schema: string | undefined; where: string; password: string } {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new StoreError('invalid', 'invalid PostgreSQL URL');
  }
  const schema = parsed.searchParams.get('schema') ?? undefined;
  if (schema !== undefined && !SCHEMA_NAME.test(schema)) {
    throw new StoreError('invalid', `invalid schema name "${schema}": use lower-case letters, digits and "_"`);
  }
  parsed.searchParams.delete('schema');
  return {
    connectionString: parsed.toString(),
    schema,
    where: `${parsed.hostname || 'localhost'}:${parsed.port || '5432'}`,
    password: decodeURIComponent(parsed.password),
  };
}

/** Opens a PostgreSQL store at `url` (optionally `?schema=NAME`) and brings its schema up to date. */
export async function openPostgresStore(url: string): Promise<Store> {
  const { connectionString, schema, where, password } = parseUrl(url);
  const pool = new pg.Pool({
    connectionString,
    connectionTimeoutMillis: 5000,
    // A startup option, so every pooled connection has it before its first query.
    ...(schema ? { options: `-c search_path=${schema}` } : {}),
  });
  // Without a listener, an idle client dropped by the server would crash the process.
  pool.on('error', () => {});

  const connect = async (): Promise<pg.PoolClient> => {
    try {
      return await pool.connect();
    } catch (err) {
      const e = err as Error & { code?: string; errors?: Error[] };
      let detail = e.message || e.errors?.[0]?.message || e.code || String(err);
      if (password) detail = detail.split(password).join('***');
      throw new StoreError('unavailable', `cannot reach PostgreSQL at ${where}: ${detail}`);
    }
  };

  const tx = async <T>(fn: (c: pg.PoolClient) => Promise<T>): Promise<T> => {
    const client = await connect();
    try {
      await client.query('BEGIN');
      const result = await fn(client);
      await client.query('COMMIT');
      client.release();
      return result;
    } catch (err) {
      // A client whose ROLLBACK fails is broken; passing the error makes the pool discard it.
      const broken = await client.query('ROLLBACK').then(
        () => undefined,
        (e: Error) => e,
      );
      client.release(broken);
      throw err;
    }
  };

  const one = async (sql: string, params: unknown[]): Promise<pg.QueryResult> => {
    const client = await connect();
    try {
      return await client.query(sql, params);
    } finally {
      client.release();
    }
  };

  const get = async (c: pg.PoolClient, name: string): Promise<RuntimeRecord | undefined> => {
    const row = (await c.query<RuntimeRow>(`${RUNTIME_SELECT} WHERE r.name = $1`, [name])).rows[0];
    if (!row) return undefined;
    const endpoints = await c.query<EndpointRow>('SELECT * FROM runtime_endpoints WHERE runtime = $1 ORDER BY endpoint', [name]);
    return toRecord(row, endpoints.rows);
  };
  const mustGet = async (c: pg.PoolClient, name: string): Promise<RuntimeRecord> => {
    const record = await get(c, name);
    if (!record) throw new StoreError('not_found', `runtime ${name} not found`);
    return record;
  };

  try {
    await tx(async (c) => {
      // Serialises concurrent migrators of the same schema; released at COMMIT/ROLLBACK.
      await c.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`toolport:migrate:${schema ?? ''}`]);
      if (schema) await c.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
      await c.query(SCHEMA_MIGRATIONS_SQL);
      const applied = await c.query<{ id: string }>('SELECT id FROM schema_migrations');
      for (const m of pendingMigrations(applied.rows.map((r) => r.id))) {
        await c.query(m.sql.postgres);
        await c.query('INSERT INTO schema_migrations (id, applied_at) VALUES ($1, $2)', [m.id, new Date().toISOString()]);
      }
    });
  } catch (err) {
    await pool.end();
    throw err;
  }

  return {
    kind: 'postgres',
    sql: postgresSql(one, tx),
    createRuntime: (name, spec) =>
      tx(async (c) => {
        const now = new Date().toISOString();
        const inserted = await c.query(
          'INSERT INTO runtimes (name, created_at, updated_at, latest_version) VALUES ($1, $2, $2, 1) ON CONFLICT (name) DO NOTHING',
          [name, now],
        );
        if (inserted.rowCount === 0) throw new StoreError('conflict', `runtime ${name} already exists`);
        await c.query('INSERT INTO runtime_versions (runtime, version, spec, created_at) VALUES ($1, 1, $2, $3)', [name, JSON.stringify(spec), now]);
        return mustGet(c, name);
      }),
    updateRuntime: (name, spec) =>
      tx(async (c) => {
        const now = new Date().toISOString();
        // The row lock taken by UPDATE orders concurrent updates, so each gets a distinct version.
        const bumped = await c.query<{ latest_version: number }>(
          'UPDATE runtimes SET latest_version = latest_version + 1, updated_at = $2 WHERE name = $1 RETURNING latest_version',
          [name, now],
        );
        const version = bumped.rows[0]?.latest_version;
        if (version === undefined) throw new StoreError('not_found', `runtime ${name} not found`);
        await c.query('INSERT INTO runtime_versions (runtime, version, spec, created_at) VALUES ($1, $2, $3, $4)', [name, version, JSON.stringify(spec), now]);
        return mustGet(c, name);
      }),
    getRuntime: (name) => tx((c) => get(c, name)),
    listRuntimes: () =>
      tx(async (c) => {
        const runtimes = await c.query<RuntimeRow>(`${RUNTIME_SELECT} ORDER BY r.name`);
        const endpoints = await c.query<EndpointRow>('SELECT * FROM runtime_endpoints ORDER BY runtime, endpoint');
        return runtimes.rows.map((row) =>
          toRecord(
            row,
            endpoints.rows.filter((e) => e.runtime === row.name),
          ),
        );
      }),
    deleteRuntime: async (name) => ((await one('DELETE FROM runtimes WHERE name = $1', [name])).rowCount ?? 0) > 0,
    getRuntimeVersion: async (name, version) => {
      if (!isVersion(version)) return undefined;
      const res = await one('SELECT * FROM runtime_versions WHERE runtime = $1 AND version = $2', [name, version]);
      const row = res.rows[0] as VersionRow | undefined;
      return row && toVersion(row);
    },
    listRuntimeVersions: async (name) => {
      const res = await one('SELECT * FROM runtime_versions WHERE runtime = $1 ORDER BY version', [name]);
      return (res.rows as VersionRow[]).map(toVersion);
    },
    setEndpoint: async (name, endpoint, version) => {
      if (endpoint === 'DEFAULT') throw new StoreError('invalid', 'DEFAULT is reserved; it always follows the latest version');
      return tx(async (c) => {
        await mustGet(c, name);
        const exists = isVersion(version) && (await c.query('SELECT 1 FROM runtime_versions WHERE runtime = $1 AND version = $2', [name, version])).rowCount;
        if (!exists) throw new StoreError('not_found', `runtime ${name} has no version ${version}`);
        await c.query(
          `INSERT INTO runtime_endpoints (runtime, endpoint, version) VALUES ($1, $2, $3)
           ON CONFLICT (runtime, endpoint) DO UPDATE SET version = excluded.version`,
          [name, endpoint, version],
        );
        return mustGet(c, name);
      });
    },
    deleteEndpoint: async (name, endpoint) =>
      ((await one('DELETE FROM runtime_endpoints WHERE runtime = $1 AND endpoint = $2', [name, endpoint])).rowCount ?? 0) > 0,
    close: async () => {
      if (!pool.ended) await pool.end();
    },
  };
}
