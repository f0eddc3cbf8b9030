import { randomBytes, randomUUID } from 'node:crypto';
import { exportJWK, generateKeyPair, type JWK } from 'jose';
import type { Sql } from '../../store/index.js';
import { open, seal } from '../master-key.js';

interface KeyRow {
  kid: string;
  kind: string;
  sealed: string;
  created_at: string;
  retired_at: string | null;
}

/** A signing key as the store lists it (never the private part). */
export interface SigningKeyInfo {
  kid: string;
  state: 'signing' | 'next' | 'retired';
  createdAt: string;
  /** When a newer key took over signing; the key stays published until tokens it signed have expired. */
  retiredAt?: string;
}

/** Kinds of rows in `identity_keys`. */
const SIGNING = 'signing';
/** Published but not yet signing, so resource servers have it cached before the first token it signs. */
const NEXT = 'signing-next';
const COLUMNS = 'kid, kind, sealed, created_at, retired_at';

/**
 * The authorization server's RS256 signing keys and cookie-signing secret, kept in `identity_keys` with the private
 * parts sealed under the master key (AES-256-GCM). One key signs; the next one is already published, so a rotation
 * never presents a resource server with a kid its cached JWKS lacks; retired keys stay published for
 * `retainSeconds` so tokens they signed keep verifying.
 */
export class KeyRing {
  constructor(
    private readonly sql: Sql,
    private readonly masterKey: Buffer,
    private readonly retainSeconds: number,
  ) {}

  private async addKey(kind: string): Promise<string> {
    const { privateKey } = await generateKeyPair('RS256', { modulusLength: 2048, extractable: true });
    const kid = randomUUID();
    const jwk: JWK = { ...(await exportJWK(privateKey)), kid, alg: 'RS256', use: 'sig' };
    await this.sql.run('INSERT INTO identity_keys (kid, kind, sealed, created_at, retired_at) VALUES (?, ?, ?, ?, NULL)', [
      kid,
      kind,
      seal(this.masterKey, JSON.stringify(jwk)),
      new Date().toISOString(),
    ]);
    return kid;
  }

  private rows(): Promise<KeyRow[]> {
    return this.sql.all<KeyRow>(`SELECT ${COLUMNS} FROM identity_keys WHERE kind IN ('${SIGNING}', '${NEXT}') ORDER BY created_at DESC`);
  }

  /** Private JWKs to publish: the signing one first (oidc-provider signs with the first match), then next, then retired. */
  async signingJwks(): Promise<JWK[]> {
    await this.pruneRetired();
    let rows = await this.rows();
    const hasSigning = rows.some((r) => r.kind === SIGNING && r.retired_at === null);
    const hasNext = rows.some((r) => r.kind === NEXT);
    if (!hasSigning) await this.addKey(SIGNING);
    if (!hasNext) await this.addKey(NEXT);
    if (!hasSigning || !hasNext) rows = await this.rows();
    const rank = (row: KeyRow): number => (row.kind === SIGNING && row.retired_at === null ? 0 : row.kind === NEXT ? 1 : 2);
    return [...rows].sort((a, b) => rank(a) - rank(b)).map((row) => JSON.parse(open(this.masterKey, row.sealed).toString('utf8')) as JWK);
  }

  /** Retires the signing key, promotes the published next key to signing, and publishes a new next key. Returns the signing kid. */
  async rotate(): Promise<string> {
    await this.signingJwks(); // both a signing and a next key exist from here on
    const next = (await this.rows()).find((row) => row.kind === NEXT) as KeyRow;
    await this.sql.batch([
      { sql: `UPDATE identity_keys SET retired_at = ? WHERE kind = '${SIGNING}' AND retired_at IS NULL`, params: [new Date().toISOString()] },
      { sql: `UPDATE identity_keys SET kind = '${SIGNING}' WHERE kid = ?`, params: [next.kid] },
    ]);
    await this.addKey(NEXT);
    return next.kid;
  }

  /** Every published key: `signing`, `next` (published ahead of use) or `retired`. */
  async list(): Promise<SigningKeyInfo[]> {
    return (await this.rows()).map((row) => ({
      kid: row.kid,
      state: row.kind === NEXT ? 'next' : row.retired_at ? 'retired' : 'signing',
      createdAt: row.created_at,
      ...(row.retired_at ? { retiredAt: row.retired_at } : {}),
    }));
  }

  private async pruneRetired(): Promise<void> {
    const cutoff = new Date(Date.now() - this.retainSeconds * 1000).toISOString();
    await this.sql.run(`DELETE FROM identity_keys WHERE kind = '${SIGNING}' AND retired_at IS NOT NULL AND retired_at < ?`, [cutoff]);
  }

  /** The secret that signs the authorization server's cookies, created once. */
  async cookieKey(): Promise<string> {
    const row = await this.sql.get<KeyRow>(`SELECT ${COLUMNS} FROM identity_keys WHERE kind = 'cookie'`);
    if (row) return open(this.masterKey, row.sealed).toString('utf8');
    const secret = randomBytes(32).toString('base64url');
    // Two processes starting together: the first insert wins and both read it back.
    await this.sql.run(
      "INSERT INTO identity_keys (kid, kind, sealed, created_at, retired_at) VALUES ('cookie', 'cookie', ?, ?, NULL) ON CONFLICT (kid) DO NOTHING",
      [seal(this.masterKey, secret), new Date().toISOString()],
    );
    const stored = await this.sql.get<KeyRow>(`SELECT ${COLUMNS} FROM identity_keys WHERE kind = 'cookie'`);
    return open(this.masterKey, (stored as KeyRow).sealed).toString('utf8');
  }
}
