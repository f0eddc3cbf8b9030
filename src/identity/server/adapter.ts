import type { Adapter, AdapterPayload } from 'oidc-provider';
import type { Sql } from '../../store/index.js';

/** Seconds since the epoch, oidc-provider's unit for expiry. */
export const epochSeconds = (now = Date.now()): number => Math.floor(now / 1000);

interface Row {
  payload: string;
  consumed_at: number | null;
}

/**
 * oidc-provider's storage contract (sessions, interactions, grants, codes, refresh and opaque access tokens, registration
 * access tokens) over the store's `identity_oidc` table, so all of it survives a restart on SQLite and PostgreSQL.
 * One instance per model name; rows of a model are keyed by the id oidc-provider gives.
 */
export class SqlAdapter implements Adapter {
  constructor(
    private readonly sql: Sql,
    private readonly model: string,
  ) {}

  async upsert(id: string, payload: AdapterPayload, expiresIn: number): Promise<void> {
    const expiresAt = expiresIn ? epochSeconds() + expiresIn : null;
    await this.sql.run(
      `INSERT INTO identity_oidc (model, id, payload, grant_id, user_code, uid, expires_at, consumed_at) VALUES (?, ?, ?, ?, ?, ?, ?, NULL)
       ON CONFLICT (model, id) DO UPDATE SET payload = excluded.payload, grant_id = excluded.grant_id, user_code = excluded.user_code,
         uid = excluded.uid, expires_at = excluded.expires_at`,
      [this.model, id, JSON.stringify(payload), payload.grantId, payload.userCode, payload.uid, expiresAt],
    );
  }

  private async findWhere(column: 'id' | 'uid' | 'user_code', value: string): Promise<AdapterPayload | undefined> {
    const row = await this.sql.get<Row>(
      `SELECT payload, consumed_at FROM identity_oidc WHERE model = ? AND ${column} = ? AND (expires_at IS NULL OR expires_at > ?)`,
      [this.model, value, epochSeconds()],
    );
    if (!row) return undefined;
    const payload = JSON.parse(row.payload) as AdapterPayload;
    return row.consumed_at === null ? payload : { ...payload, consumed: row.consumed_at };
  }

  find(id: string): Promise<AdapterPayload | undefined> {
    return this.findWhere('id', id);
  }

  findByUid(uid: string): Promise<AdapterPayload | undefined> {
    return this.findWhere('uid', uid);
  }

  findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
    return this.findWhere('user_code', userCode);
  }

  async consume(id: string): Promise<void> {
    await this.sql.run('UPDATE identity_oidc SET consumed_at = ? WHERE model = ? AND id = ?', [epochSeconds(), this.model, id]);
  }

  async destroy(id: string): Promise<void> {
    await this.sql.run('DELETE FROM identity_oidc WHERE model = ? AND id = ?', [this.model, id]);
  }

  async revokeByGrantId(grantId: string): Promise<void> {
    await this.sql.run('DELETE FROM identity_oidc WHERE model = ? AND grant_id = ?', [this.model, grantId]);
  }
}

/** Deletes every expired row; run now and then so the table does not grow without bound. */
export async function sweepExpired(sql: Sql): Promise<number> {
  return sql.run('DELETE FROM identity_oidc WHERE expires_at IS NOT NULL AND expires_at <= ?', [epochSeconds()]);
}
