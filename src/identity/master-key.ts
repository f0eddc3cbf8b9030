import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** Environment variable holding the master key (base64 of 32 bytes); wins over the key file. */
export const MASTER_KEY_ENV = 'TOOLPORT_MASTER_KEY';
/** File in the data directory that holds the master key when the environment does not. */
export const MASTER_KEY_FILE = 'master.key';

const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
/** Version prefix of sealed values, so the format can change without guessing. */
const SEALED_PREFIX = 'v1.';

function decodeKey(base64: string, source: string): Buffer {
  const key = Buffer.from(base64.trim(), 'base64');
  if (key.length !== KEY_BYTES) {
    throw new Error(`${source} must hold ${KEY_BYTES} bytes in base64 (it holds ${key.length}); generate one with: openssl rand -base64 32`);
  }
  return key;
}

/**
 * The AES-256 key that encrypts secrets at rest: `TOOLPORT_MASTER_KEY` (base64, 32 bytes) if set, else
 * `DATA_DIR/master.key`, created with mode 0600 on first start. Losing it makes every sealed secret unreadable.
 */
export async function loadMasterKey(dataDir: string, env: NodeJS.ProcessEnv = process.env): Promise<Buffer> {
  const fromEnv = env[MASTER_KEY_ENV];
  if (fromEnv) return decodeKey(fromEnv, MASTER_KEY_ENV);
  const path = join(dataDir, MASTER_KEY_FILE);
  try {
    return decodeKey(await readFile(path, 'utf8'), path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  await mkdir(dataDir, { recursive: true });
  const key = randomBytes(KEY_BYTES);
  try {
    // 'wx' fails if another process created the file in between; then read theirs so both use one key.
    await writeFile(path, `${key.toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return decodeKey(await readFile(path, 'utf8'), path);
    throw error;
  }
  await chmod(path, 0o600); // the umask may have narrowed the mode; never widen beyond owner read/write
  return key;
}

/** Encrypts `plaintext` with AES-256-GCM under `key`: `v1.` + base64url(iv | tag | ciphertext). */
export function seal(key: Buffer, plaintext: string | Buffer): string {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return SEALED_PREFIX + Buffer.concat([iv, cipher.getAuthTag(), ciphertext]).toString('base64url');
}

/** Decrypts a value made by `seal`; throws if it was made under another key or altered. */
export function open(key: Buffer, sealed: string): Buffer {
  if (!sealed.startsWith(SEALED_PREFIX)) throw new Error('sealed value has an unknown format (expected the v1. prefix)');
  const raw = Buffer.from(sealed.slice(SEALED_PREFIX.length), 'base64url');
  if (raw.length < IV_BYTES + TAG_BYTES) throw new Error('sealed value is truncated');
  const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, IV_BYTES));
  decipher.setAuthTag(raw.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
  try {
    return Buffer.concat([decipher.update(raw.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]);
  } catch {
    throw new Error('sealed value could not be decrypted: it was made under another master key or has been altered');
  }
}
