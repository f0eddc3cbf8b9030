// A sandbox's HOME and /tmp are tmpfs mounts of `limits.diskMb` in its own mount namespace. The host sees them through
// /proc/PID/root of a process inside (bubblewrap's first child); a full one has no free block or inode left. tmpfs
// keeps no record of a refused write, so the runtime looks when the server answers and every time it checks limits.
import { readFileSync, statfsSync } from 'node:fs';
import { join } from 'node:path';

/** The first child of `pid`: for bubblewrap, the sandbox's own init, in the sandbox's mount namespace. */
function firstChild(pid: number): number | undefined {
  const child = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').split(' ')[0];
  return child ? Number(child) : undefined;
}

/**
 * Whether any of `dirs` (paths inside the sandbox that bubblewrap process `pid` started) has no free block or inode
 * left; false while that cannot be told (the sandbox is still being set up, or has gone).
 */
export function sandboxDiskFull(pid: number, dirs: string[]): boolean {
  try {
    const inside = firstChild(pid);
    if (inside === undefined) return false;
    return dirs.some((dir) => {
      const { bavail, ffree } = statfsSync(join(`/proc/${inside}/root`, dir));
      return bavail === 0 || ffree === 0;
    });
  } catch {
    return false;
  }
}
