import type Database from 'better-sqlite3';
import type pg from 'pg';
import type { Dialect } from './migrations.js';

/** One statement and its `?` parameters. */
export interface Statement {
  sql: string;
  params?: readonly unknown[];
}

/**
 * Plain SQL over whichever backend the store opened, for parts that keep their own tables (identity, gateways...).
 * Write portable SQL: `?` placeholders (never a literal `?` in the text), TEXT / INTEGER / REAL columns, ISO-8601 TEXT
 * timestamps, `INSERT ... ON CONFLICT (...) DO UPDATE SET x = excluded.x` for upserts, 0/1 INTEGERs for booleans.
 */
export interface Sql {
  readonly dialect: Dialect;
  all<T>(sql: string, params?: readonly unknown[]): Promise<T[]>;
  get<T>(sql: string, params?: readonly unknown[]): Promise<T | undefined>;
  /** Runs one statement; resolves to the number of rows it changed. */
  run(sql: string, params?: readonly unknown[]): Promise<number>;
  /** Runs statements in one transaction, all or nothing; resolves to each one's changed-row count. */
  batch(statements: readonly Statement[]): Promise<number[]>;
}

/** PostgreSQL numbers its placeholders; the portable text uses `?`. */
export function numberPlaceholders(sql: string): string {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
}

/** Booleans are stored as 0/1 INTEGERs and undefined as NULL on both backends (better-sqlite3 binds neither). */
const bindParams = (params: readonly unknown[] = []): unknown[] =>
  params.map((value) => (typeof value === 'boolean' ? Number(value) : value === undefined ? null : value));

export function sqliteSql(db: Database.Database): Sql {
  const statements = new Map<string, Database.Statement>();
  const prepare = (sql: string): Database.Statement => {
    let statement = statements.get(sql);
    if (!statement) {
      statement = db.prepare(sql);
      statements.set(sql, statement);
    }
    return statement;
  };
  const batch = db.transaction((list: readonly Statement[]) => list.map((s) => prepare(s.sql).run(...bindParams(s.params)).changes));
  return {
    dialect: 'sqlite',
    all: async <T>(sql: string, params?: readonly unknown[]) => prepare(sql).all(...bindParams(params)) as T[],
    get: async <T>(sql: string, params?: readonly unknown[]) => prepare(sql).get(...bindParams(params)) as T | undefined,
    run: async (sql, params) => prepare(sql).run(...bindParams(params)).changes,
    batch: async (list) => batch.immediate(list),
  };
}

export function postgresSql(
  one: (sql: string, params: unknown[]) => Promise<pg.QueryResult>,
  tx: <T>(fn: (client: pg.PoolClient) => Promise<T>) => Promise<T>,
): Sql {
  return {
    dialect: 'postgres',
    all: async <T>(sql: string, list?: readonly unknown[]) => (await one(numberPlaceholders(sql), bindParams(list))).rows as T[],
    get: async <T>(sql: string, list?: readonly unknown[]) => (await one(numberPlaceholders(sql), bindParams(list))).rows[0] as T | undefined,
    run: async (sql, list) => (await one(numberPlaceholders(sql), bindParams(list))).rowCount ?? 0,
    batch: (list) =>
      tx(async (client) => {
        const counts: number[] = [];
        for (const s of list) counts.push((await client.query(numberPlaceholders(s.sql), bindParams(s.params))).rowCount ?? 0);
        return counts;
      }),
  };
}
