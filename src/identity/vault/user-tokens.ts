import { createHash } from 'node:crypto';
import { calculatePKCECodeChallenge, generateRandomCodeVerifier, generateRandomState } from 'oauth4webapi';
import type { Sql } from '../../store/index.js';
import { open, seal } from '../master-key.js';
import { VaultError } from './errors.js';
import type { UpstreamTokens } from './oauth.js';

/** How long a user has to finish an authorization started for them. */
const CONSENT_TTL_MS = 10 * 60_000;

/** A started authorization code flow: what the callback needs to finish it. */
export interface PendingConsent {
  provider: string;
  userId: string;
  scopes: string[];
  codeVerifier: string;
}

const sha256 = (value: string): Buffer => createHash('sha256').update(value).digest();

/**
 * Users' tokens per provider (`vault_user_tokens`, sealed) and pending authorizations (`vault_consents`: the state
 * is stored as its SHA-256 and the PKCE verifier sealed, so a copy of the store cannot finish a flow).
 */
export class UserTokenRecords {
  constructor(
    private readonly sql: Sql,
    private readonly key: Buffer,
    private readonly now: () => number,
  ) {}

  /** The stored tokens of `userId` at `provider`, with the scopes they were granted for. */
  async get(provider: string, userId: string): Promise<{ scopes: string[]; tokens: UpstreamTokens } | undefined> {
    const row = await this.sql.get<{ scopes: string; tokens: string }>('SELECT scopes, tokens FROM vault_user_tokens WHERE provider = ? AND user_id = ?', [
      provider,
      userId,
    ]);
    if (!row) return undefined;
    return { scopes: JSON.parse(row.scopes) as string[], tokens: JSON.parse(open(this.key, row.tokens).toString('utf8')) as UpstreamTokens };
  }

  async save(provider: string, userId: string, scopes: string[], tokens: UpstreamTokens): Promise<void> {
    await this.sql.run(
      `INSERT INTO vault_user_tokens (provider, user_id, scopes, tokens, updated_at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (provider, user_id) DO UPDATE SET scopes = excluded.scopes, tokens = excluded.tokens, updated_at = excluded.updated_at`,
      [provider, userId, JSON.stringify(scopes), seal(this.key, JSON.stringify(tokens)), new Date(this.now()).toISOString()],
    );
  }

  async delete(provider: string, userId: string): Promise<void> {
    await this.sql.run('DELETE FROM vault_user_tokens WHERE provider = ? AND user_id = ?', [provider, userId]);
  }

  /** Records a new authorization for a user; returns the `state` and PKCE S256 `codeChallenge` for the URL. */
  async begin(provider: string, userId: string, scopes: string[]): Promise<{ state: string; codeChallenge: string }> {
    const state = generateRandomState();
    const codeVerifier = generateRandomCodeVerifier();
    const nowIso = new Date(this.now()).toISOString();
    await this.sql.batch([
      { sql: 'DELETE FROM vault_consents WHERE expires_at < ?', params: [nowIso] },
      {
        sql: 'INSERT INTO vault_consents (state_hash, provider, user_id, scopes, verifier, expires_at) VALUES (?, ?, ?, ?, ?, ?)',
        params: [
          sha256(state).toString('hex'),
          provider,
          userId,
          JSON.stringify(scopes),
          seal(this.key, codeVerifier),
          new Date(this.now() + CONSENT_TTL_MS).toISOString(),
        ],
      },
    ]);
    return { state, codeChallenge: await calculatePKCECodeChallenge(codeVerifier) };
  }

  /** Takes (once) the authorization a callback's `state` belongs to; throws for unknown, used or expired states. */
  async take(state: string): Promise<PendingConsent> {
    const hash = sha256(state).toString('hex');
    const row = await this.sql.get<{ provider: string; user_id: string; scopes: string; verifier: string; expires_at: string }>(
      'SELECT provider, user_id, scopes, verifier, expires_at FROM vault_consents WHERE state_hash = ?',
      [hash],
    );
    // Deleting first makes the state single-use even when two callbacks race.
    if (!row || (await this.sql.run('DELETE FROM vault_consents WHERE state_hash = ?', [hash])) === 0) {
      throw new VaultError('not_found', 'this authorization link is unknown or was already used; ask for a new one');
    }
    if (row.expires_at < new Date(this.now()).toISOString())
      throw new VaultError('invalid', 'this authorization link has expired (links last 10 minutes); ask for a new one');
    return {
      provider: row.provider,
      userId: row.user_id,
      scopes: JSON.parse(row.scopes) as string[],
      codeVerifier: open(this.key, row.verifier).toString('utf8'),
    };
  }
}
