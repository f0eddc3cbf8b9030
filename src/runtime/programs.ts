// Programs on disk: a runtime's own command, checked before it starts, and the helper a worker is started under.
import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { delimiter, join } from 'node:path';

export async function isFile(path: string): Promise<boolean> {
  return (await stat(path).catch(() => undefined))?.isFile() ?? false;
}

export async function isExecutable(path: string): Promise<boolean> {
  return (
    (await isFile(path)) &&
    (await access(path, constants.X_OK).then(
      () => true,
      () => false,
    ))
  );
}

/** The folders of a PATH value, in order. */
export const pathFolders = (path: string): string[] => path.split(delimiter).filter(Boolean);

/** The first executable file named `program` in `folders`, or undefined. */
export async function findOnPath(program: string, folders: string[]): Promise<string | undefined> {
  for (const folder of folders) if (await isExecutable(join(folder, program))) return join(folder, program);
  return undefined;
}
