import { statSync } from 'node:fs';
import { chmod, chown, readdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freeLoopbackPort } from '../http/index.js';
import { bwrapCommand, codeRoot, type SandboxPlan } from './bwrap.js';
import type { RelayPlan } from './relay.js';
import { parseEgressRule, startEgressProxy } from './egress.js';
import { ensureSandboxSupport } from './support.js';

const RELAY_ENTRY = fileURLToPath(new URL('./relay.js', import.meta.url));
const TSX_LOADER = createRequire(import.meta.url).resolve('tsx');

/** What the runtime asks of one sandboxed worker. */
export interface SandboxRequest {
  argv: string[];
  home: string;
  cwd: string;
  /** The worker's environment: a platform service it names by URL is bridged in (see `bridgeIntoSandboxes`). */
  env: Record<string, string>;
  /** An HTTP server's port inside: the platform reaches it through a socket in HOME. */
  httpPort?: number;
  /** `none`: its own loopback only; `host`: the host's network; `allow`: through an egress proxy to those hosts only. */
  network: 'none' | 'host' | { allow: string[] };
  /** Hears of every egress the proxy refused (`host:port`). */
  onEgressRefused?: (target: string) => void;
  mounts: SandboxPlan['mounts'];
  limits: { pids: number; openFiles: number };
}

/** How to start it: the command, its extra environment, the host uid to run it as, and the socket an HTTP server inside is reached at. */
export interface SandboxLaunch {
  argv: string[];
  env?: Record<string, string>;
  uid?: number;
  httpSocket?: string;
  /** Stops what the platform runs for this sandbox (its egress proxy) once the worker has exited. */
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

/**
 * Host uids for sandboxes of a platform running as root: each gets its own, so RLIMIT_NPROC counts that session
 * alone (root is exempt from it, and an unprivileged user's count covers all its processes) and no host file is its
 * own. Far above any real user's uid.
 */
const SANDBOX_UID_BASE = 0x4000_0000;
const SANDBOX_UID_RANGE = 0x10_0000;
let nextSandboxUid = 0;

function isFile(path: string): boolean {
  return statSync(path, { throwIfNoEntry: false })?.isFile() ?? false;
}

/** Whether a user other than the owner could open `path`: every folder on the way lets others through. */
function reachableByOthers(path: string): boolean {
  const folders = [];
  for (let dir = resolve(path); dir !== dirname(dir); dir = dirname(dir)) folders.push(dir);
  return folders.every((dir, index) => {
    const mode = statSync(dir, { throwIfNoEntry: false })?.mode;
    return mode !== undefined && (index === 0 ? (mode & 0o005) !== 0 : (mode & 0o001) !== 0);
  });
}

/**
 * Why a sandbox could not read `paths` (its code, its working directory, its mounts), or undefined: as root, each
 * sandbox runs as its own uid, and bubblewrap mounts as that uid, so every folder on the way must be open to others.
 */
export function unreachableToSandboxes(paths: string[]): string | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const closed = paths.find((path) => !reachableByOthers(path));
  if (closed === undefined) return undefined;
  return `isolation: sandbox runs each worker as its own uid, which cannot read ${closed} (a folder on the way, or the file, is closed to other users); open it (chmod o+rx on the folders, o+r on the files) or run Toolport as an unprivileged user`;
}

async function chownTree(dir: string, uid: number): Promise<void> {
  await chown(dir, uid, uid);
  for (const entry of await readdir(dir)) await chown(join(dir, entry), uid, uid);
}

/** The egress proxy of one sandbox, on a socket in its HOME, and the environment that points its clients at it. */
async function startEgress(home: string, allow: string[], onRefused: ((target: string) => void) | undefined) {
  const socket = join(home, '.toolport-egress.sock');
  const proxy = await startEgressProxy(
    socket,
    allow.map((entry) => parseEgressRule(entry)!),
    onRefused ?? (() => undefined),
  );
  await chmod(socket, 0o666);
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

/** The command that starts `request.argv` in a sandbox; rejects with the cause and the fix where none can be built. */
export async function sandboxLaunch(request: SandboxRequest): Promise<SandboxLaunch> {
  await ensureSandboxSupport();
  const { argv, home, cwd } = request;
  const network = typeof request.network === 'string' ? request.network : 'none';
  const egress = typeof request.network === 'string' ? undefined : await startEgress(home, request.network.allow, request.onEgressRefused);
  const uid = process.getuid?.() === 0 ? SANDBOX_UID_BASE + (nextSandboxUid++ % SANDBOX_UID_RANGE) : undefined;
  if (uid !== undefined) await chownTree(home, uid);
  const values = Object.values(request.env);
  const outbound =
    network === 'none'
      ? [...bridges]
          .filter(([origin]) => values.some((value) => value.startsWith(origin)))
          .map(([origin, socket]) => ({ port: Number(new URL(origin).port), socket }))
      : [];
  const httpSocket = network === 'none' && request.httpPort !== undefined ? join(home, '.toolport-http.sock') : undefined;
  if (egress) outbound.push({ port: egress.port, socket: egress.socket });
  const relay: RelayPlan | undefined =
    outbound.length || httpSocket ? { argv, outbound, ...(httpSocket ? { inbound: { socket: httpSocket, port: request.httpPort! } } : {}) } : undefined;
  const inside = relay ? [process.execPath, '--import', TSX_LOADER, RELAY_ENTRY, JSON.stringify(relay)] : argv;
  const files = [...inside, ...argv].map((arg) => resolve(cwd, arg)).filter(isFile);
  const command = bwrapCommand({
    argv: inside,
    home,
    cwd,
    codeDirs: [dirname(dirname(process.execPath)), ...files.map(codeRoot), ...(relay ? [codeRoot(fileURLToPath(import.meta.url))] : [])],
    // Another uid cannot reach a 0700 data directory at all (and bwrap, running as it, could not cover it either).
    hidden: uid === undefined ? [...protectedPaths] : [...protectedPaths].filter(reachableByOthers),
    network,
    mounts: [...request.mounts, ...outbound.map(({ socket }) => ({ source: socket, target: socket, readOnly: true }))],
    limits: { pids: uid === undefined ? undefined : request.limits.pids, openFiles: request.limits.openFiles },
  });
  return {
    argv: command,
    ...(uid === undefined ? {} : { uid }),
    ...(httpSocket ? { httpSocket } : {}),
    ...(egress ? { env: egress.env, release: () => egress.proxy.close() } : {}),
  };
}
