/**
 * True while a process with this pid exists, whoever owns it: signal 0 checks without signalling, and EPERM means the
 * process exists but belongs to another user. Used to tell a live owner from a stale one (cgroups, the data-dir lock).
 */
export function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
