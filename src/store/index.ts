import { openPostgresStore } from './postgres.js';
import { openSqliteStore } from './sqlite.js';
import type { Store } from './types.js';

export type { RuntimeRecord, RuntimeVersion, Store, StoreErrorCode } from './types.js';
export { StoreError, runtimeArn } from './types.js';
export type { Sql, Statement } from './sql.js';
export type { Migration } from './migrations.js';

/** Opens the store at `location`: a `postgres://`/`postgresql://` URL, otherwise a SQLite file path. */
export function openStore(location: string): Promise<Store> {
  return /^postgres(ql)?:\/\//i.test(location) ? openPostgresStore(location) : openSqliteStore(location);
}
