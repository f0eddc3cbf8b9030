import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** The control plane's admin token: `TOOLPORT_ADMIN_TOKEN`, else DATA_DIR/admin-token (created 0600 on first start). */
export async function adminToken(dataDir: string): Promise<string> {
  const fromEnv = process.env.TOOLPORT_ADMIN_TOKEN;
  if (fromEnv) return fromEnv;
  const file = join(dataDir, 'admin-token');
  try {
    return (await readFile(file, 'utf8')).trim();
  } catch {
    const token = `tpa_${randomBytes(24).toString('base64url')}`;
    await writeFile(file, `${token}\n`, { mode: 0o600, flag: 'wx' }).catch(async (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EEXIST') throw error;
    });
    return (await readFile(file, 'utf8')).trim();
  }
}
