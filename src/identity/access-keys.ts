import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { validate } from '../config/index.js';
import type { Sql } from '../store/index.js';
import { open, seal } from './master-key.js';

/** An access key as listings show it (never the secret). */
export interface AccessKeyInfo {
  accessKeyId: string;
  /** Who signs with it: the principal subject of every request it signs. */
  owner: string;
  description?: string;
  createdAt: string;
}

/** What `create` returns once: the only time the secret is ever shown. */
export interface NewAccessKey extends AccessKeyInfo {
  secretAccessKey: string;
}

/** What the SigV4 authorizer needs: the secret and owner of an access key id. */
export interface AccessKeyLookup {
  secretOf(accessKeyId: string): Promise<{ secretAccessKey: string; owner: string } | undefined>;
}

const createSchema = z
  .object({
    owner: z
      .string()
      .regex(/^[A-Za-z0-9_.@-]{1,64}$/, '1-64 letters, digits, "_", ".", "@" or "-"')
      .describe('Who signs with the key'),
    description: z.string().max(200).optional(),
  })
  .strict();

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
/** Decrypted secrets are kept this long, so a signed request costs no store read; deletes clear them at once. */
const SECRET_TTL_MS = 30_000;
const SECRET_CACHE_MAX = 1_000;

interface KeyRow {
  access_key_id: string;
  owner: string;
  description: string | null;
  secret: string;
  created_at: string;
}

/** SigV4 access keys issued by Identity (`identity_access_keys`; the secret is sealed, since HMAC needs it back). */
export class AccessKeys implements AccessKeyLookup {
  private readonly cache = new Map<string, { value: { secretAccessKey: string; owner: string } | undefined; at: number }>();

  constructor(
    private readonly sql: Sql,
    private readonly masterKey: Buffer,
  ) {}

  /** Issues a key: an AWS-shaped id (20 characters) and a 40-character secret, returned only here. */
  async create(input: unknown): Promise<NewAccessKey> {
    const { owner, description } = validate(createSchema, input, 'the access key');
    const accessKeyId = `TPAK${[...randomBytes(16)].map((byte) => BASE32[byte % 32]).join('')}`;
    const secretAccessKey = randomBytes(30).toString('base64');
    const createdAt = new Date().toISOString();
    await this.sql.run('INSERT INTO identity_access_keys (access_key_id, owner, description, secret, created_at) VALUES (?, ?, ?, ?, ?)', [
      accessKeyId,
      owner,
      description,
      seal(this.masterKey, secretAccessKey),
      createdAt,
    ]);
    return { accessKeyId, owner, ...(description ? { description } : {}), createdAt, secretAccessKey };
  }

  async list(): Promise<AccessKeyInfo[]> {
    const rows = await this.sql.all<KeyRow>(
      'SELECT access_key_id, owner, description, created_at FROM identity_access_keys ORDER BY created_at, access_key_id',
    );
    return rows.map((row) => ({
      accessKeyId: row.access_key_id,
      owner: row.owner,
      ...(row.description ? { description: row.description } : {}),
      createdAt: row.created_at,
    }));
  }

  /** Revokes a key at once; false if it did not exist. */
  async delete(accessKeyId: string): Promise<boolean> {
    this.cache.delete(accessKeyId);
    return (await this.sql.run('DELETE FROM identity_access_keys WHERE access_key_id = ?', [accessKeyId])) > 0;
  }

  async secretOf(accessKeyId: string): Promise<{ secretAccessKey: string; owner: string } | undefined> {
    const cached = this.cache.get(accessKeyId);
    if (cached && Date.now() - cached.at < SECRET_TTL_MS) return cached.value;
    const row = await this.sql.get<KeyRow>('SELECT owner, secret FROM identity_access_keys WHERE access_key_id = ?', [accessKeyId]);
    const value = row ? { secretAccessKey: open(this.masterKey, row.secret).toString('utf8'), owner: row.owner } : undefined;
    if (this.cache.size >= SECRET_CACHE_MAX) this.cache.clear();
    this.cache.set(accessKeyId, { value, at: Date.now() });
    return value;
  }
}
