// Processes as /proc shows them: what a test (or a bench) checks is running, or gone.
import { readFileSync } from 'node:fs';

/** Pids of a process and all its descendants, from /proc/PID/task/PID/children (a sandbox's bwrap, its init and the server). */
export function processTree(pid: number): number[] {
  const pids = [pid];
  for (let i = 0; i < pids.length && i < 10_000; i++) {
    const current = pids[i] as number;
    try {
      const children = readFileSync(`/proc/${current}/task/${current}/children`, 'utf8').trim();
      if (children) pids.push(...children.split(' ').map(Number));
    } catch {
      // The process ended meanwhile.
    }
  }
  return pids;
}
