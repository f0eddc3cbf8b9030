import { openPostgresStore } from './postgres.js';
import { openSqliteStore } from './sqlite.js';
import { StoreError, type Store } from './types.js';

export type { RuntimeRecord, RuntimeVersion, Store, StoreErrorCode } from './types.js';
export { StoreError, runtimeArn } from './types.js';
export type { Sql, Statement } from './sql.js';
export type { Migration } from './migrations.js';

/** Whether a store location is a PostgreSQL URL (anything else is a SQLite file path). */
export function isPostgresUrl(location: string): boolean {
  return /^postgres(ql)?:\/\//i.test(location);
}

/** Opens the store at `location`: a `postgres://`/`postgresql://` URL, otherwise a SQLite file path. */
export function openStore(location: string): Promise<Store> {
  if (isPostgresUrl(location)) return openPostgresStore(location);
  // Any other URL (mysql://, redis://) would otherwise become a SQLite file under a folder named after its scheme.
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(location)) {
    return Promise.reject(new StoreError('invalid', `unsupported store ${location.split('://')[0]}://: give a postgres:// URL or a SQLite file path`));
  }
  return openSqliteStore(location);
}
