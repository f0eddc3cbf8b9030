// A warm-pool refill starts at a lower CPU priority, so the sessions being served keep the CPU; the session that
// takes the worker raises it back. Under a cgroup that is the cgroup's CPU weight (see the sandbox's
// `setCpuBackground`), which any user with a writable cgroup may raise again. Without one it is the nice value,
// and only a process with CAP_SYS_NICE (root) may lower a nice value again: elsewhere refills start at normal
// priority rather than leave every pooled session niced for life.
import { readFileSync, readdirSync } from 'node:fs';
import { setPriority } from 'node:os';

/** The nice value a refill starts at without a cgroup. */
export const BACKGROUND_NICE = 10;
const CAP_SYS_NICE = 23n;

/** Whether this process may raise a niced worker back to normal priority (it holds CAP_SYS_NICE). */
export function mayRaisePriority(): boolean {
  try {
    const effective = /^CapEff:\s*([0-9a-f]+)$/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1];
    return effective !== undefined && ((BigInt(`0x${effective}`) >> CAP_SYS_NICE) & 1n) === 1n;
  } catch {
    return false;
  }
}

/** Sets the nice value of every thread of `pids` (Linux nices threads one by one; each inherits its creator's). */
export function renice(pids: number[], nice: number): void {
  for (const pid of pids) {
    let threads: string[];
    try {
      threads = readdirSync(`/proc/${pid}/task`);
    } catch {
      continue; // Exited meanwhile.
    }
    for (const thread of threads) {
      try {
        setPriority(Number(thread), nice);
      } catch {
        // Exited meanwhile.
      }
    }
  }
}
