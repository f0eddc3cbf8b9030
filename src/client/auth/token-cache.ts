import { createHash, randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';

/** An access token and what is needed to renew it, as kept on disk. */
export const tokenSetSchema = z.object({
  accessToken: z.string().min(1),
  tokenType: z.string().optional(),
  refreshToken: z.string().optional(),
  /** Epoch milliseconds; absent when the issuer did not say how long the token lives. */
  expiresAt: z.number().optional(),
  scope: z.string().optional(),
  issuer: z.string(),
  clientId: z.string(),
});
export type TokenSet = z.infer<typeof tokenSetSchema>;

/** Toolport's per-user folder: `$TOOLPORT_HOME`, else `~/.toolport`. */
export function toolportHome(): string {
  return process.env.TOOLPORT_HOME || join(homedir(), '.toolport');
}

/** What a cached credential is for: one issuer, one client, one set of scopes (and user, for password sign-in). */
export interface CacheKeyParts {
  issuer: string;
  clientId: string;
  scope?: string | undefined;
  username?: string | undefined;
}

/**
 * Tokens on disk, one 0600 JSON file per issuer+client+scopes under `{home}/tokens/` (folder 0700), written
 * atomically (temp file + rename) so two CLI runs never read half a file.
 */
export class TokenCache {
  constructor(readonly dir: string = join(toolportHome(), 'tokens')) {}

  /** The file name for a credential: a hash, so no issuer URL or user name shows up in a directory listing. */
  static key(parts: CacheKeyParts): string {
    const scopes = (parts.scope ?? '').split(/\s+/).filter(Boolean).sort().join(' ');
    return createHash('sha256')
      .update(JSON.stringify([parts.issuer.replace(/\/$/, ''), parts.clientId, scopes, parts.username ?? '']))
      .digest('hex')
      .slice(0, 40);
  }

  private file(key: string): string {
    return join(this.dir, `${key}.json`);
  }

  /** The stored value, or undefined when there is none or it is unreadable (a broken cache file never blocks a login). */
  async load<T>(key: string, schema: z.ZodType<T>): Promise<T | undefined> {
    const text = await readFile(this.file(key), 'utf8').catch(() => undefined);
    if (text === undefined) return undefined;
    try {
      const parsed = schema.safeParse(JSON.parse(text));
      return parsed.success ? parsed.data : undefined;
    } catch {
      return undefined;
    }
  }

  async save(key: string, value: unknown): Promise<void> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    await chmod(this.dir, 0o700);
    const temp = join(this.dir, `.${key}.${randomBytes(6).toString('hex')}.tmp`);
    await writeFile(temp, JSON.stringify(value), { mode: 0o600 });
    await rename(temp, this.file(key));
  }

  /** Deletes one credential; true when there was one. */
  async remove(key: string): Promise<boolean> {
    const existed = (await readFile(this.file(key)).catch(() => undefined)) !== undefined;
    await rm(this.file(key), { force: true });
    return existed;
  }

  /** Deletes every cached credential; returns how many there were. */
  async clear(): Promise<number> {
    const names = (await readdir(this.dir).catch(() => [] as string[])).filter((name) => name.endsWith('.json'));
    await Promise.all(names.map((name) => rm(join(this.dir, name), { force: true })));
    return names.length;
  }
}
