import { existsSync, lstatSync, readlinkSync, realpathSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';

/** What one sandboxed process may see and do. */
export interface SandboxPlan {
  /** Program and arguments to run inside. */
  argv: string[];
  /**
   * The session's HOME (also its TMPDIR), at the host's path: a fresh tmpfs inside, which the files the platform
   * put there before the start join read-only.
   */
  home: string;
  /** HOME is a stored session folder: bound read-write instead of a tmpfs, so what the session writes outlives it. */
  storedHome: boolean;
  /** Files of the host's HOME carried into the sandbox's (the vault credential). */
  homeFiles: string[];
  /** A host directory shared writable with the sandbox, for the relay's sockets. */
  bridgeDir: string | undefined;
  /** Working directory inside; mounted read-only with the code directories. */
  cwd: string;
  /** Directories of the server's code, mounted read-only at the same paths. */
  codeDirs: string[];
  /** Paths to hide even when a code directory contains them (the data directory). */
  hidden: string[];
  /** `none`: only the sandbox's own loopback; `host`: the host's network, an explicit opt-out. */
  network: 'none' | 'host';
  mounts: { source: string; target: string; readOnly: boolean }[];
  /** `pids` as RLIMIT_NPROC only where no cgroup holds them; `diskMb` bounds /tmp and HOME, which share it when HOME is in /tmp. */
  limits: { pids: number | undefined; openFiles: number; diskMb: number };
  /** `cgroup.procs` files the sandbox joins before bubblewrap starts, so nothing of it runs outside its cgroup. */
  cgroupProcs: string[];
}

/** Writes its pid into each cgroup.procs file given before `--`, then execs what follows. */
const JOIN_CGROUPS = 'for procs in "$@"; do [ "$procs" = -- ] && break; echo $$ > "$procs" || exit 125; shift; done; shift; exec "$@"';

/** Top-level system directories; on merged-/usr systems they are symlinks into /usr and are recreated as such. */
const SYSTEM_DIRS = ['/usr', '/bin', '/sbin', '/lib', '/lib32', '/lib64', '/libx32'];

/** The minimal /etc a runtime needs: name resolution, users, TLS roots, the loader cache, time zone, alternatives. */
const SYSTEM_ETC = [
  '/etc/resolv.conf',
  '/etc/hosts',
  '/etc/host.conf',
  '/etc/gai.conf',
  '/etc/nsswitch.conf',
  '/etc/passwd',
  '/etc/group',
  '/etc/ssl',
  '/etc/ca-certificates',
  '/etc/ld.so.cache',
  '/etc/ld.so.conf',
  '/etc/ld.so.conf.d',
  '/etc/localtime',
  '/etc/alternatives',
  '/etc/mime.types',
];

function systemMounts(): string[] {
  const args: string[] = [];
  for (const dir of SYSTEM_DIRS) {
    if (!existsSync(dir)) continue;
    if (lstatSync(dir).isSymbolicLink()) args.push('--symlink', readlinkSync(dir), dir);
    else args.push('--ro-bind', dir, dir);
  }
  for (const path of SYSTEM_ETC) args.push('--ro-bind-try', path, path);
  return args;
}

function within(parent: string, child: string): boolean {
  const path = relative(parent, child);
  return path === '' || (!path.startsWith('..') && !isAbsolute(path));
}

/** The tmpfs mounts of `limits.diskMb` a sandbox writes to: /tmp, and HOME unless it lies in /tmp or is a stored folder. */
export function diskMounts(home: string, storedHome: boolean): string[] {
  return storedHome || within('/tmp', home) ? ['/tmp'] : ['/tmp', home];
}

/**
 * The directory a file of code needs to run: the whole node_modules it lies in (its dependencies are its siblings),
 * else the folder of the nearest package.json above it (so a script finds its node_modules), else its own folder.
 */
export function codeRoot(path: string): string {
  const real = realpathSync(path);
  const inModules = real.split(sep).indexOf('node_modules');
  if (inModules > 0)
    return real
      .split(sep)
      .slice(0, inModules + 1)
      .join(sep);
  for (let dir = dirname(real); dir !== dirname(dir); dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
  }
  return dirname(real);
}

/** Directories that hold nothing else: a directory inside another listed one is covered by it. */
function outermost(dirs: string[]): string[] {
  const unique = [...new Set(dirs.map((dir) => resolve(dir)))].sort();
  return unique.filter((dir) => !unique.some((other) => other !== dir && within(other, dir)));
}

/**
 * The command that runs `plan.argv` under bubblewrap, inside its cgroup: every namespace unshared (the network too
 * unless `host`), the system and the code read-only, /tmp and HOME the only writable places (tmpfs of at most
 * `diskMb`; a stored HOME is its host folder instead), hidden paths covered by an empty tmpfs, a fresh /proc of its own PID namespace, all capabilities
 * dropped, a new session (no terminal injection), killed with its parent, and rlimits on open files (and processes,
 * without a cgroup).
 */
export function bwrapCommand(plan: SandboxPlan): string[] {
  const code = outermost([...plan.codeDirs, plan.cwd]).filter((dir) => !SYSTEM_DIRS.some((system) => within(system, dir)));
  const diskBytes = String(plan.limits.diskMb * 1024 * 1024);
  const args = [
    ...(plan.cgroupProcs.length ? ['sh', '-c', JOIN_CGROUPS, 'sh', ...plan.cgroupProcs, '--'] : []),
    'prlimit',
    ...(plan.limits.pids === undefined ? [] : [`--nproc=${plan.limits.pids}`]),
    `--nofile=${plan.limits.openFiles}`,
    '--',
    'bwrap',
    '--unshare-all',
    ...(plan.network === 'host' ? ['--share-net'] : []),
    '--die-with-parent',
    '--new-session',
    '--cap-drop',
    'ALL',
    ...systemMounts(),
    '--proc',
    '/proc',
    '--dev',
    '/dev',
    '--size',
    diskBytes,
    '--tmpfs',
    '/tmp',
  ];
  for (const dir of code) args.push('--ro-bind', dir, dir);
  for (const path of plan.hidden) {
    if (code.some((dir) => within(dir, path)) && existsSync(path)) args.push('--tmpfs', path);
  }
  // A stored HOME comes after the hidden paths: it lies in the data directory, of which the session sees only it.
  if (plan.storedHome) args.push('--bind', plan.home, plan.home);
  else args.push(...(diskMounts(plan.home, false).includes(plan.home) ? ['--size', diskBytes, '--tmpfs', plan.home] : ['--dir', plan.home]));
  for (const file of plan.homeFiles) args.push('--ro-bind', file, file);
  if (plan.bridgeDir) args.push('--bind', plan.bridgeDir, plan.bridgeDir);
  for (const mount of plan.mounts) args.push(mount.readOnly ? '--ro-bind' : '--bind', mount.source, mount.target);
  args.push('--chdir', plan.cwd, '--', ...plan.argv);
  return args;
}
