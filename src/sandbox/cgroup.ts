// A cgroup per sandboxed session bounds its memory, CPU and processes together, whatever it forks. cgroup v2 where
// this process's own cgroup is a writable, delegated subtree; else cgroup v1's pids, memory and cpu hierarchies where
// they are writable (root); else no cgroup, and the sandbox falls back to rlimits and the runtime's RSS watchdog.
import { mkdir, readdir, readFile, rmdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { processExists } from './process-exists.js';

/** How a sandbox's `limits` are enforced on this host. */
export type LimitEnforcement = 'cgroup v2' | 'cgroup v1' | 'rlimits';

/** The limits a session's cgroup holds it to. */
export interface CgroupLimits {
  memoryMb: number;
  cpus: number;
  pids: number;
}

/** A limit the session ran into. */
export type LimitBreach = 'memory' | 'pids';

/** One session's cgroup. */
export interface SessionCgroup {
  /** The `cgroup.procs` files the sandbox's first process joins before it runs anything. */
  procsFiles: string[];
  /** Which limit ended or stopped something in it: the kernel's OOM killer, or a refused fork. */
  breach(): Promise<LimitBreach | undefined>;
  /** Lowers its CPU weight to a sixteenth while `background` (a warm worker), or restores the default. */
  setCpuBackground(background: boolean): Promise<void>;
  /** Kills what is left in it and removes it. */
  remove(): Promise<void>;
}

const CONTROLLERS = ['pids', 'memory', 'cpu'] as const;
const CPU_PERIOD_US = 100_000;
const MIB = 1024 * 1024;
/** The default CPU weight of a cgroup and what a warm worker's is lowered to: cgroup v2 `cpu.weight`, v1 `cpu.shares`. */
const CPU_WEIGHT = { v2: { normal: 100, background: 6 }, v1: { normal: 1024, background: 64 } } as const;

/** Where session cgroups go: one parent per controller (v1) or one for all (v2). */
type Parents = { version: 'v1'; dirs: Record<(typeof CONTROLLERS)[number], string> } | { version: 'v2'; dir: string };

let parents: Promise<Parents | undefined> | undefined;
let nextSession = 0;

/** Mount points of this process's cgroup hierarchies: cgroup2, and each v1 controller's. */
async function cgroupMounts(): Promise<{ v2?: string; v1: Map<string, string> }> {
  const mounts = { v1: new Map<string, string>() } as { v2?: string; v1: Map<string, string> };
  for (const line of (await readFile('/proc/self/mountinfo', 'utf8')).split('\n')) {
    const [left, right] = line.split(' - ');
    const mountPoint = left?.split(' ')[4];
    const [type, , options] = right?.split(' ') ?? [];
    if (!mountPoint) continue;
    if (type === 'cgroup2') mounts.v2 ??= mountPoint;
    if (type === 'cgroup') for (const option of options?.split(',') ?? []) mounts.v1.set(option, mountPoint);
  }
  return mounts;
}

async function writable(dir: string): Promise<boolean> {
  return mkdir(dir, { recursive: true }).then(
    () => true,
    () => false,
  );
}

/**
 * cgroup v2: this process's own cgroup, when it offers every controller and lets us enable them below it. A cgroup
 * with processes cannot pass controllers down, so the platform first moves itself into a leaf of its own.
 */
async function v2Parent(mount: string): Promise<Parents | undefined> {
  const own = /^0::(\/.*)$/m.exec(await readFile('/proc/self/cgroup', 'utf8'))?.[1];
  if (own === undefined) return undefined;
  const base = join(mount, own);
  const offered = (await readFile(join(base, 'cgroup.controllers'), 'utf8').catch(() => '')).split(/\s+/);
  if (!CONTROLLERS.every((controller) => offered.includes(controller))) return undefined;
  const enable = CONTROLLERS.map((controller) => `+${controller}`).join(' ');
  const enableBelow = (dir: string): Promise<boolean> =>
    writeFile(join(dir, 'cgroup.subtree_control'), enable).then(
      () => true,
      () => false,
    );
  if (!(await enableBelow(base))) {
    const platform = join(base, 'toolport-platform');
    if (!(await writable(platform))) return undefined;
    const moved = await writeFile(join(platform, 'cgroup.procs'), String(process.pid)).then(
      () => true,
      () => false,
    );
    if (!moved || !(await enableBelow(base))) return undefined;
  }
  const sessions = join(base, 'toolport-sessions');
  if (!(await writable(sessions)) || !(await enableBelow(sessions))) return undefined;
  return { version: 'v2', dir: sessions };
}

/**
 * cgroup v1: a `toolport` cgroup in the pids and memory hierarchies, where this process may make them. CPU sessions
 * sit at the hierarchy's root instead: under one parent, every session together would weigh as much as one process
 * of the host (cpu.shares), and starve on a busy machine.
 */
async function v1Parents(mounts: Map<string, string>): Promise<Parents | undefined> {
  const dirs = {} as Record<(typeof CONTROLLERS)[number], string>;
  for (const controller of CONTROLLERS) {
    const mount = mounts.get(controller);
    const dir = mount === undefined ? undefined : controller === 'cpu' ? mount : join(mount, 'toolport');
    if (dir === undefined || !(await writable(dir))) return undefined;
    dirs[controller] = dir;
  }
  return { version: 'v1', dirs };
}

/** Removes the session cgroups (`toolport-PID-N`) of platforms that ended without removing them (killed, crashed). */
async function removeOrphans(parent: string): Promise<void> {
  const entries = await readdir(parent, { withFileTypes: true }).catch(() => []);
  for (const entry of entries) {
    const owner = /^toolport-(\d+)-\d+$/.exec(entry.name)?.[1];
    if (entry.isDirectory() && owner !== undefined && !processExists(Number(owner))) await emptyAndRemove(join(parent, entry.name));
  }
}

async function findParents(): Promise<Parents | undefined> {
  if (process.platform !== 'linux') return undefined;
  const mounts = await cgroupMounts().catch(() => ({ v1: new Map<string, string>() }) as Awaited<ReturnType<typeof cgroupMounts>>);
  const found = (mounts.v2 === undefined ? undefined : await v2Parent(mounts.v2).catch(() => undefined)) ?? (await v1Parents(mounts.v1));
  if (found) await Promise.all((found.version === 'v2' ? [found.dir] : Object.values(found.dirs)).map(removeOrphans));
  return found;
}

function sessionParents(): Promise<Parents | undefined> {
  parents ??= findParents();
  return parents;
}

/** How this host enforces sandbox limits (found once per process). */
export async function limitEnforcement(): Promise<LimitEnforcement> {
  const found = await sessionParents();
  return found === undefined ? 'rlimits' : found.version === 'v2' ? 'cgroup v2' : 'cgroup v1';
}

/** A number after `key` in a flat-keyed cgroup file (`oom_kill 1`), 0 when absent. */
async function counter(file: string, key: string): Promise<number> {
  const text = await readFile(file, 'utf8').catch(() => '');
  return Number(new RegExp(`^${key} (\\d+)$`, 'm').exec(text)?.[1] ?? 0);
}

/** SIGKILLs every process left in `dir`, then removes it (a cgroup with processes cannot be removed). */
async function emptyAndRemove(dir: string): Promise<void> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const pids = (await readFile(join(dir, 'cgroup.procs'), 'utf8').catch(() => '')).split('\n').filter(Boolean).map(Number);
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // Gone already.
      }
    }
    if (
      await rmdir(dir).then(
        () => true,
        (error: NodeJS.ErrnoException) => error.code === 'ENOENT',
      )
    )
      return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Writes the limit files, in order; `optional` ones may be missing (no swap accounting). */
async function applyLimits(files: [string, string, 'optional'?][]): Promise<void> {
  for (const [file, value, optional] of files) {
    await writeFile(file, value).catch((error: NodeJS.ErrnoException) => {
      if (!optional) throw error;
    });
  }
}

/** A new cgroup for one session, or undefined where none can be made (the sandbox then uses rlimits). */
export async function createSessionCgroup(limits: CgroupLimits): Promise<SessionCgroup | undefined> {
  const found = await sessionParents();
  if (found === undefined) return undefined;
  const name = `toolport-${process.pid}-${nextSession++}`;
  const memoryBytes = String(limits.memoryMb * MIB);
  const quota = String(Math.round(limits.cpus * CPU_PERIOD_US));
  if (found.version === 'v2') {
    const dir = join(found.dir, name);
    await mkdir(dir);
    await applyLimits([
      [join(dir, 'pids.max'), String(limits.pids)],
      [join(dir, 'memory.max'), memoryBytes],
      [join(dir, 'memory.swap.max'), '0', 'optional'],
      [join(dir, 'cpu.max'), `${quota} ${CPU_PERIOD_US}`],
    ]).catch(async (error: unknown) => {
      await emptyAndRemove(dir);
      throw error;
    });
    return {
      procsFiles: [join(dir, 'cgroup.procs')],
      breach: async () =>
        (await counter(join(dir, 'memory.events'), 'oom_kill')) > 0 ? 'memory' : (await counter(join(dir, 'pids.events'), 'max')) > 0 ? 'pids' : undefined,
      setCpuBackground: (background) => writeFile(join(dir, 'cpu.weight'), String(CPU_WEIGHT.v2[background ? 'background' : 'normal'])),
      remove: () => emptyAndRemove(dir),
    };
  }
  const dirs = { pids: join(found.dirs.pids, name), memory: join(found.dirs.memory, name), cpu: join(found.dirs.cpu, name) };
  const remove = async (): Promise<void> => {
    await Promise.all(Object.values(dirs).map(emptyAndRemove));
  };
  try {
    for (const dir of Object.values(dirs)) await mkdir(dir);
    await applyLimits([
      [join(dirs.pids, 'pids.max'), String(limits.pids)],
      [join(dirs.memory, 'memory.limit_in_bytes'), memoryBytes],
      // With swap accounting on, memory + swap gets the same bound, so the session cannot spill into swap.
      [join(dirs.memory, 'memory.memsw.limit_in_bytes'), memoryBytes, 'optional'],
      [join(dirs.cpu, 'cpu.cfs_period_us'), String(CPU_PERIOD_US)],
      [join(dirs.cpu, 'cpu.cfs_quota_us'), quota],
    ]);
  } catch (error) {
    await remove();
    throw error;
  }
  return {
    procsFiles: Object.values(dirs).map((dir) => join(dir, 'cgroup.procs')),
    breach: async () =>
      (await counter(join(dirs.memory, 'memory.oom_control'), 'oom_kill')) > 0
        ? 'memory'
        : (await counter(join(dirs.pids, 'pids.events'), 'max')) > 0
          ? 'pids'
          : undefined,
    setCpuBackground: (background) => writeFile(join(dirs.cpu, 'cpu.shares'), String(CPU_WEIGHT.v1[background ? 'background' : 'normal'])),
    remove,
  };
}
