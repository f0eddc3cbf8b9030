import { lstatSync, realpathSync, statSync } from 'node:fs';
import { mkdir, readdir, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freeLoopbackPort } from '../http/index.js';
import { bwrapCommand, codeRoot, diskMounts, type SandboxPlan } from './bwrap.js';
import { createSessionCgroup, type LimitBreach } from './cgroup.js';
import { sandboxDiskFull } from './disk.js';
import type { RelayPlan } from './relay.js';
import { parseEgressRule, startEgressProxy } from './egress.js';
import { ensureSandboxSupport } from './support.js';

const RELAY_ENTRY = fileURLToPath(new URL('./relay.js', import.meta.url));
const TSX_LOADER = createRequire(import.meta.url).resolve('tsx');

/** What the runtime asks of one sandboxed worker. */
export interface SandboxRequest {
  argv: string[];
  home: string;
  /** HOME is the session's stored folder, bound read-write, not a tmpfs: its size is the runtime's to bound. */
  storedHome?: boolean;
  cwd: string;
  /** The worker's environment: a platform service it names by URL is bridged in (see `bridgeIntoSandboxes`). */
  env: Record<string, string>;
  /** An HTTP server's port inside: the platform reaches it through a socket in the sandbox's bridge directory. */
  httpPort?: number;
  /** `none`: its own loopback only; `host`: the host's network; `allow`: through an egress proxy to those hosts only. */
  network: 'none' | 'host' | { allow: string[] };
  /** Hears of every egress the proxy refused (`host:port`). */
  onEgressRefused?: (target: string) => void;
  mounts: SandboxPlan['mounts'];
  /** `memoryMb` undefined: {@link DEFAULT_SANDBOX_MEMORY_MB}. */
  limits: { memoryMb?: number | undefined; cpus: number; pids: number; openFiles: number; diskMb: number };
}

/** A sandbox's memory limit when its runtime sets none. */
export const DEFAULT_SANDBOX_MEMORY_MB = 1024;

/** How to start it: the command, its extra environment, and the socket an HTTP server inside is reached at. */
export interface SandboxLaunch {
  argv: string[];
  env?: Record<string, string>;
  httpSocket?: string;
  /** Without a cgroup, the memory limit the runtime's RSS watchdog keeps the sandbox to. */
  watchMemoryMb?: number;
  /** Which limit its cgroup says the sandbox ran into, if any (only with a cgroup). */
  limitBreach?: () => Promise<LimitBreach | undefined>;
  /** Whether its HOME or /tmp has no room left (`limits.diskMb`); `pid` is the worker process that runs bubblewrap. */
  diskFull?: (pid: number) => boolean;
  /** Lowers or restores the CPU weight of its cgroup (only with a cgroup): a warm worker starts in the background. */
  setCpuBackground?: (background: boolean) => Promise<void>;
  /** Stops what the platform runs for this sandbox (its egress proxy, its cgroup) once the worker has exited. */
  release?: () => Promise<void>;
}

/** Paths no sandbox may see, even inside its code directories: the data directories of this process's platforms. */
const protectedPaths = new Set<string>();
/** Platform services a sandbox may reach at their loopback URL, through a host unix socket (URL origin → socket). */
const bridges = new Map<string, string>();

/** Hides `path` (a platform's data directory, its store file) from every sandbox this process starts; returns the undo. */
export function protectFromSandboxes(path: string): () => void {
  protectedPaths.add(path);
  return () => protectedPaths.delete(path);
}

/** Lets a sandbox whose environment names `url` (a loopback service) reach it, through `socket`; returns the undo. */
export function bridgeIntoSandboxes(url: string, socket: string): () => void {
  const origin = new URL(url).origin;
  bridges.set(origin, socket);
  return () => bridges.delete(origin);
}

function isFile(path: string): boolean {
  return statSync(path, { throwIfNoEntry: false })?.isFile() ?? false;
}

/** `dir` and, where its node_modules is a link elsewhere (a worktree's, a workspace's), where that leads. */
function withLinkedModules(dir: string): string[] {
  const modules = join(dir, 'node_modules');
  const target = lstatSync(modules, { throwIfNoEntry: false })?.isSymbolicLink() ? realpathSync(modules) : undefined;
  return target === undefined ? [dir] : [dir, target];
}

/** The egress proxy of one sandbox, on a socket in its HOME, and the environment that points its clients at it. */
async function startEgress(bridgeDir: string, allow: string[], onRefused: ((target: string) => void) | undefined) {
  const socket = join(bridgeDir, 'egress.sock');
  const proxy = await startEgressProxy(
    socket,
    allow.map((entry) => parseEgressRule(entry)!),
    onRefused ?? (() => undefined),
  );
  const port = await freeLoopbackPort();
  const url = `http://127.0.0.1:${port}`;
  const env = {
    HTTP_PROXY: url,
    HTTPS_PROXY: url,
    http_proxy: url,
    https_proxy: url,
    NO_PROXY: 'localhost,127.0.0.1,::1',
    no_proxy: 'localhost,127.0.0.1,::1',
  };
  return { socket, port, proxy, env };
}

/**
 * The command that starts `request.argv` in a sandbox, in a cgroup of its own where the host has one to give;
 * rejects with the cause and the fix where no sandbox can be built.
 */
export async function sandboxLaunch(request: SandboxRequest): Promise<SandboxLaunch> {
  await ensureSandboxSupport();
  const { argv, home, cwd, limits } = request;
  const memoryMb = limits.memoryMb ?? DEFAULT_SANDBOX_MEMORY_MB;
  // A stored HOME is seen whole; a fresh one holds only what the platform put there, carried in read-only.
  const homeFiles = request.storedHome ? [] : (await readdir(home)).map((entry) => join(home, entry)).filter(isFile);
  const network = typeof request.network === 'string' ? request.network : 'none';
  const httpSocket = network === 'none' && request.httpPort !== undefined ? 'http.sock' : undefined;
  const bridgeDir = typeof request.network !== 'string' || httpSocket ? join(home, '.toolport-bridge') : undefined;
  // What a stored HOME holds under that name is the session's doing (a link elsewhere, say): never follow it.
  if (bridgeDir && request.storedHome) await rm(bridgeDir, { recursive: true, force: true });
  if (bridgeDir) await mkdir(bridgeDir, { mode: 0o700 });
  const egress = typeof request.network === 'string' ? undefined : await startEgress(bridgeDir!, request.network.allow, request.onEgressRefused);
  const cgroup = await createSessionCgroup({ memoryMb, cpus: limits.cpus, pids: limits.pids }).catch(async (error: Error) => {
    await egress?.proxy.close();
    throw new Error(`cannot create this session's cgroup: ${error.message}`);
  });
  const values = Object.values(request.env);
  const bridged =
    network === 'none'
      ? [...bridges]
          .filter(([origin]) => values.some((value) => value.startsWith(origin)))
          .map(([origin, socket]) => ({ port: Number(new URL(origin).port), socket }))
      : [];
  const outbound = [...bridged, ...(egress ? [{ port: egress.port, socket: egress.socket }] : [])];
  const inbound = httpSocket ? { socket: join(bridgeDir!, httpSocket), port: request.httpPort! } : undefined;
  const relay: RelayPlan | undefined = outbound.length || inbound ? { argv, outbound, ...(inbound ? { inbound } : {}) } : undefined;
  const inside = relay ? [process.execPath, '--import', TSX_LOADER, RELAY_ENTRY, JSON.stringify(relay)] : argv;
  const files = [...inside, ...argv].map((arg) => resolve(cwd, arg)).filter(isFile);
  const command = bwrapCommand({
    argv: inside,
    home,
    storedHome: request.storedHome ?? false,
    homeFiles,
    bridgeDir,
    cwd,
    codeDirs: [
      dirname(dirname(process.execPath)),
      // Toolport's own code too: the relay, the module and Lambda hosts and toolport/tools run from it (the data
      // directory, should it lie inside, stays hidden).
      ...[cwd, ...files.map(codeRoot), codeRoot(fileURLToPath(import.meta.url))].flatMap(withLinkedModules),
    ],
    hidden: [...protectedPaths],
    network,
    mounts: [...request.mounts, ...bridged.map(({ socket }) => ({ source: socket, target: socket, readOnly: true }))],
    // Without a cgroup, RLIMIT_NPROC is the only bound on processes, though it counts every process of the user.
    limits: { pids: cgroup ? undefined : limits.pids, openFiles: limits.openFiles, diskMb: limits.diskMb },
    cgroupProcs: cgroup?.procsFiles ?? [],
  });
  const diskDirs = diskMounts(home, request.storedHome ?? false);
  return {
    argv: command,
    diskFull: (pid) => sandboxDiskFull(pid, diskDirs),
    ...(inbound ? { httpSocket: inbound.socket } : {}),
    ...(egress ? { env: egress.env } : {}),
    ...(cgroup ? { limitBreach: () => cgroup.breach(), setCpuBackground: (background) => cgroup.setCpuBackground(background) } : { watchMemoryMb: memoryMb }),
    release: async () => {
      await egress?.proxy.close();
      await cgroup?.remove();
      if (bridgeDir && request.storedHome) await rm(bridgeDir, { recursive: true, force: true });
    },
  };
}
