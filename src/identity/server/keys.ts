import { randomBytes, randomUUID } from 'node:crypto';
import { exportJWK, generateKeyPair, type JWK } from 'jose';
import type { Sql } from '../../store/index.js';
import { open, seal } from '../master-key.js';

interface KeyRow {
  kid: string;
  sealed: string;
  created_at: string;
  retired_at: string | null;
}

/** A signing key as the store lists it (never the private part). */
export interface SigningKeyInfo {
  kid: string;
  createdAt: string;
  /** When a newer key took over signing; the key stays published until tokens it signed have expired. */
  retiredAt?: string;
}

/**
 * The authorization server's RS256 signing keys and cookie-signing secret, kept in `identity_keys` with the private
 * parts sealed under the master key (AES-256-GCM). The newest unretired key signs; retired keys stay in the JWKS for
 * `retainSeconds` so tokens they signed keep verifying.
 */
export class KeyRing {
  constructor(
    private readonly sql: Sql,
    private readonly masterKey: Buffer,
    private readonly retainSeconds: number,
  ) {}

  private async addSigningKey(): Promise<string> {
    const { privateKey } = await generateKeyPair('RS256', { modulusLength: 2048, extractable: true });
    const kid = randomUUID();
    const jwk: JWK = { ...(await exportJWK(privateKey)), kid, alg: 'RS256', use: 'sig' };
    await this.sql.run("INSERT INTO identity_keys (kid, kind, sealed, created_at, retired_at) VALUES (?, 'signing', ?, ?, NULL)", [
      kid,
      seal(this.masterKey, JSON.stringify(jwk)),
      new Date().toISOString(),
    ]);
    return kid;
  }

  /** Private JWKs to publish and sign with, the signing one first (oidc-provider signs with the first match). */
  async signingJwks(): Promise<JWK[]> {
    await this.pruneRetired();
    let rows = await this.sql.all<KeyRow>("SELECT kid, sealed, created_at, retired_at FROM identity_keys WHERE kind = 'signing' ORDER BY created_at DESC");
    if (!rows.some((row) => row.retired_at === null)) {
      await this.addSigningKey();
      rows = await this.sql.all<KeyRow>("SELECT kid, sealed, created_at, retired_at FROM identity_keys WHERE kind = 'signing' ORDER BY created_at DESC");
    }
    const active = rows.filter((row) => row.retired_at === null);
    const ordered = [...active, ...rows.filter((row) => row.retired_at !== null)];
    return ordered.map((row) => JSON.parse(open(this.masterKey, row.sealed).toString('utf8')) as JWK);
  }

  /** Makes a new key the signing key; the previous ones stay published. Returns the new kid. */
  async rotate(): Promise<string> {
    const now = new Date().toISOString();
    await this.sql.run("UPDATE identity_keys SET retired_at = ? WHERE kind = 'signing' AND retired_at IS NULL", [now]);
    return this.addSigningKey();
  }

  async list(): Promise<SigningKeyInfo[]> {
    const rows = await this.sql.all<KeyRow>("SELECT kid, sealed, created_at, retired_at FROM identity_keys WHERE kind = 'signing' ORDER BY created_at DESC");
    return rows.map((row) => ({ kid: row.kid, createdAt: row.created_at, ...(row.retired_at ? { retiredAt: row.retired_at } : {}) }));
  }

  private async pruneRetired(): Promise<void> {
    const cutoff = new Date(Date.now() - this.retainSeconds * 1000).toISOString();
    await this.sql.run("DELETE FROM identity_keys WHERE kind = 'signing' AND retired_at IS NOT NULL AND retired_at < ?", [cutoff]);
  }

  /** The secret that signs the authorization server's cookies, created once. */
  async cookieKey(): Promise<string> {
    const row = await this.sql.get<KeyRow>("SELECT kid, sealed, created_at, retired_at FROM identity_keys WHERE kind = 'cookie'");
    if (row) return open(this.masterKey, row.sealed).toString('utf8');
    const secret = randomBytes(32).toString('base64url');
    // Two processes starting together: the first insert wins and both read it back.
    await this.sql.run("INSERT INTO identity_keys (kid, kind, sealed, created_at, retired_at) VALUES ('cookie', 'cookie', ?, ?, NULL) ON CONFLICT (kid) DO NOTHING", [
      seal(this.masterKey, secret),
      new Date().toISOString(),
    ]);
    const stored = await this.sql.get<KeyRow>("SELECT kid, sealed, created_at, retired_at FROM identity_keys WHERE kind = 'cookie'");
    return open(this.masterKey, (stored as KeyRow).sealed).toString('utf8');
  }
}
