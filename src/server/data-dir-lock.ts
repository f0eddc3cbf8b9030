import { open, readFile, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { ConfigError } from '../config/index.js';
import { processExists } from '../sandbox/index.js';

/** The lock file in a data directory; it holds the pid of the platform that owns the directory. */
export const LOCK_FILE = 'toolport.lock';

/** A held data-directory lock. */
export interface DataDirLock {
  release(): Promise<void>;
}

/**
 * Makes this process the only platform on `dataDir`: two platforms on one directory would each revert what the other
 * changed. A lock left by a process that no longer exists (killed, crashed) is taken over.
 */
export async function lockDataDir(dataDir: string): Promise<DataDirLock> {
  const path = join(dataDir, LOCK_FILE);
  // Two rounds at most: the second follows the removal of a stale lock.
  for (let round = 0; round < 2; round++) {
    try {
      const file = await open(path, 'wx', 0o600);
      await file.writeFile(`${process.pid}\n`);
      await file.close();
      return { release: () => unlink(path).catch(() => undefined) };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const holder = Number.parseInt(await readFile(path, 'utf8').catch(() => ''), 10);
    if (Number.isInteger(holder) && holder > 0 && processExists(holder)) {
      throw new ConfigError(`the data directory ${dataDir} is in use by another Toolport platform (process ${holder}); stop it, or pass another --data-dir`);
    }
    await unlink(path).catch(() => undefined);
  }
  throw new ConfigError(`could not lock the data directory ${dataDir}: another platform is starting on it at the same time`);
}
