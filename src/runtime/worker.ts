import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ReadBuffer, serializeMessage, type JSONRPCMessage } from '@modelcontextprotocol/server';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { Agent, fetch as undiciFetch, type RequestInit as UndiciInit } from 'undici';
import { resolveEnvMap, type RuntimeSpec } from '../config/index.js';
import { freeLoopbackPort } from '../http/index.js';
import type { Logger } from '../log/index.js';
import { sandboxLaunch, type LimitBreach, type SandboxLaunch } from '../sandbox/index.js';
import { WORKER_CREDENTIAL_FILE, WORKER_READY } from '../tools/index.js';
import { RuntimeError } from './errors.js';
import { moduleWorkerArgv } from './module-argv.js';
import { findOnPath, pathFolders } from './programs.js';
import { BACKGROUND_NICE, mayRaisePriority, renice } from './priority.js';
import { StderrTail, summarizeStderr } from './stderr.js';

/** Why a worker stopped, for the error its session's callers see. */
export interface WorkerExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** `memory_limit`/`pids_limit`/`disk_limit`: the session ran into `limits.memoryMb`/`pids`/`diskMb` and was ended for it. */
  reason: 'exited' | 'memory_limit' | 'pids_limit' | 'disk_limit' | 'stopped';
  /** The lines of its stderr's tail that name the error, as one line (empty when it wrote none). */
  stderrSummary: string;
}

/** The id of the ping a warm-pool worker answers before any session takes it; its answer is never forwarded. */

/** The exit reason of a session whose cgroup reports that limit. */
const BREACH_REASON = { memory: 'memory_limit', pids: 'pids_limit' } as const satisfies Record<LimitBreach, WorkerExit['reason']>;

/**
 * `setpriv --pdeathsig KILL --` (util-linux), or nothing where setpriv is missing: the kernel kills a process-isolated
 * worker when the platform dies, even by SIGKILL, as bwrap's --die-with-parent does for a sandbox. Without it an
 * orphaned HTTP worker would keep its port.
 */
let parentDeath: Promise<string[]> | undefined;
function parentDeathPrefix(): Promise<string[]> {
  parentDeath ??= findOnPath('setpriv', pathFolders(process.env.PATH ?? '')).then((setpriv) => (setpriv ? [setpriv, '--pdeathsig', 'KILL', '--'] : []));
  return parentDeath;
}

/** How to start a worker: its argv under the runtime's isolation (for `process`, only tied to the platform's life). */
async function isolate(
  spec: RuntimeSpec,
  argv: string[],
  home: string,
  env: Record<string, string>,
  httpPort: number | undefined,
  onEgressRefused: (target: string) => void,
  storedHome: boolean,
): Promise<SandboxLaunch> {
  if (spec.isolation === 'process') return { argv: [...(await parentDeathPrefix()), ...argv] };
  try {
    return await sandboxLaunch({
      argv,
      home,
      storedHome,
      cwd: spec.cwd ?? process.cwd(),
      env,
      ...(httpPort === undefined ? {} : { httpPort }),
      network: spec.sandbox.network,
      onEgressRefused,
      mounts: spec.sandbox.mounts,
      limits: spec.limits,
    });
  } catch (error) {
    throw new RuntimeError('worker_unavailable', (error as Error).message);
  }
}

/** Pids of `pid` and all its descendants (Linux /proc), for the memory of a whole sandbox or process tree. */
async function processTree(pid: number): Promise<number[]> {
  const tasks = await readdir(`/proc/${pid}/task`).catch(() => [] as string[]);
  const children = await Promise.all(tasks.map((task) => readFile(`/proc/${pid}/task/${task}/children`, 'utf8').catch(() => '')));
  const childPids = children.join(' ').split(/\s+/).filter(Boolean).map(Number);
  return [pid, ...(await Promise.all(childPids.map(processTree))).flat()];
}

/** Where an HTTP worker listens, as the platform reaches it: its loopback port, or a socket in a sandbox's HOME. */
type HttpEndpoint = { port: number; socket?: string };

async function waitForPort({ port, socket: path }: HttpEndpoint, deadline: number, child: ChildProcess): Promise<void> {
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new RuntimeError('worker_unavailable', `worker exited with code ${child.exitCode} before listening on port ${port}`);
    const open = await new Promise<boolean>((resolve) => {
      const socket = (path === undefined ? connect(port, '127.0.0.1') : connect(path)).once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.on('error', () => resolve(false));
    });
    if (open) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new RuntimeError('worker_unavailable', `worker did not listen on 127.0.0.1:${port} in time; check the runtime's port and command`);
}

/** `env:NAME` references already reported as unset, so each is logged once rather than per worker. */
const warnedUnset = new Set<string>();

/** Resolves `env:NAME` references from Toolport's own environment; a missing one is left out (and logged by name only). */
function workerEnv(spec: RuntimeSpec, home: string, log: Logger): Record<string, string> {
  const own = resolveEnvMap(spec.env, process.env, (key, reference) => {
    if (warnedUnset.has(reference)) return;
    warnedUnset.add(reference);
    log.warn('runtime env reference is not set; workers start without it', { key, from: reference });
  });
  return { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: home, TMPDIR: home, TMP: home, TEMP: home, [WORKER_READY.env]: '1', ...own };
}

/** One isolated process hosting an MCP server for exactly one session (or one stateless request). */
export class Worker {
  onmessage?: (message: JSONRPCMessage) => void;
  onexit?: (exit: WorkerExit) => void;
  private readonly buffer = new ReadBuffer();
  private readonly stderr = new StderrTail();
  /** How the process ended, once it has. */
  exitStatus?: WorkerExit;
  private httpTransport?: StreamableHTTPClientTransport;
  private stopping: WorkerExit['reason'] | undefined;
  private limitTimer?: NodeJS.Timeout;
  private exited = false;
  /** Settles once the worker has exited and what its sandbox held (egress proxy, cgroup, HOME) is released. */
  private released: Promise<void> | undefined;
  /** Whether the server said it has loaded (WORKER_READY), and who waits for it (true) or for its exit (false). */
  private announced = false;
  private announcement?: (announced: boolean) => void;

  private constructor(
    readonly child: ChildProcess,
    readonly home: string,
    /** HOME is a session's stored folder: only the platform's own file is removed from it when the worker stops. */
    readonly storedHome: boolean,
    /** Random, written to HOME at spawn: the vault knows this worker by it (a tool could claim any pid). */
    readonly credential: string,
    private readonly log: Logger,
    /** How it was started: under `isolation: sandbox`, what enforces its limits and what to release after it. */
    private readonly launch: SandboxLaunch,
  ) {}

  /** The session this worker serves, once one took it (for log lines). */
  session?: string;
  /** How it runs at lower CPU priority until {@link foreground} (a warm-pool refill), if it does. */
  private background: 'cgroup' | 'nice' | undefined;

  /**
   * Starts a worker for the spec; resolves once it can take messages. With `storedHome` (a session's stored folder)
   * HOME is that folder, kept when the worker stops; otherwise a fresh temp dir, removed then. A `background` start
   * (a warm-pool refill) runs at lower CPU priority until {@link foreground}: its cgroup's CPU weight, else a nice
   * value where it can be undone.
   */
  static async start(
    spec: RuntimeSpec,
    log: Logger,
    { background = false, startTimeoutMs = 15_000, storedHome }: { background?: boolean; startTimeoutMs?: number; storedHome?: string } = {},
  ): Promise<Worker> {
    const home = storedHome ?? (await mkdtemp(join(tmpdir(), 'toolport-worker-')));
    const env = workerEnv(spec, home, log);
    const credential = randomBytes(32).toString('base64url');
    const credentialFile = join(home, WORKER_CREDENTIAL_FILE);
    // A stored HOME may hold anything under that name (a link elsewhere, say): remove it, then create, never follow.
    if (storedHome) await rm(credentialFile, { force: true });
    await writeFile(credentialFile, credential, { mode: 0o600, flag: 'wx' });
    let argv: string[];
    let port: number | undefined;
    if (spec.module) {
      argv = moduleWorkerArgv(spec.module);
    } else {
      argv = [...(spec.command as string[])];
      if (spec.transport === 'http') {
        port = spec.port === 'auto' ? await freeLoopbackPort() : spec.port;
        env.PORT = String(port);
        argv = argv.map((arg) => arg.replaceAll('{port}', String(port)));
      }
    }
    // Refusals arrive once the worker runs; they name the session it serves by then.
    const started: { worker?: Worker } = {};
    const isolated = await isolate(
      spec,
      argv,
      home,
      env,
      port,
      (target) => log.warn('sandbox refused an egress not on sandbox.network.allow', { target, session: started.worker?.session, pid: started.worker?.pid }),
      storedHome !== undefined,
    );
    let lowered: Worker['background'];
    if (background && isolated.setCpuBackground) {
      await isolated.setCpuBackground(true);
      lowered = 'cgroup';
    } else if (background && mayRaisePriority()) {
      lowered = 'nice';
    }
    const niced = lowered === 'nice' ? ['nice', '-n', String(BACKGROUND_NICE)] : [];
    const [program, ...args] = [...niced, ...isolated.argv] as [string, ...string[]];
    const child = spawn(program, args, {
      cwd: spec.cwd ?? process.cwd(),
      env: { ...env, ...isolated.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const worker = new Worker(child, home, storedHome !== undefined, credential, log, isolated);
    worker.background = lowered;
    started.worker = worker;
    const endpoint = port === undefined ? undefined : { port, ...(isolated.httpSocket ? { socket: isolated.httpSocket } : {}) };
    // A worker that never became ready (an HTTP server that did not listen in time) is not left running.
    await worker.attach(spec, endpoint, Date.now() + startTimeoutMs).catch(async (error: unknown) => {
      if (worker.child.pid !== undefined) await worker.stop();
      throw error;
    });
    return worker;
  }

  /** Raises a background worker to normal CPU priority: a session took it. */
  async foreground(): Promise<void> {
    const lowered = this.background;
    this.background = undefined;
    // A worker that exited meanwhile has no cgroup left to raise.
    if (lowered === 'cgroup') await this.launch.setCpuBackground?.(false).catch(() => undefined);
    if (lowered === 'nice') renice(await processTree(this.pid), 0);
  }

  /**
   * Resolves true once the server says it has loaded (WORKER_READY: Toolport's tool servers do), false if it exits or
   * stays silent for `timeoutMs`. A stdio worker counts as started once its process is spawned, ~0.5 CPU-s before its
   * server reads stdin, so a warm pool hands out only workers that said so. An HTTP worker is ready once it listens.
   */
  announcesReady(timeoutMs: number): Promise<boolean> {
    if (this.httpTransport || this.announced) return Promise.resolve(true);
    if (this.exited) return Promise.resolve(false);
    return new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => settle(false), timeoutMs);
      timer.unref();
      const settle = (announced: boolean): void => {
        clearTimeout(timer);
        this.announcement = undefined;
        resolve(announced);
      };
      this.announcement = settle;
    });
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  /** The end of what the process wrote to stderr so far (all of it once its pipes have closed). */
  get stderrTail(): string {
    return this.stderr.text;
  }

  get alive(): boolean {
    return !this.exited;
  }

  private async attach(spec: RuntimeSpec, endpoint: HttpEndpoint | undefined, deadline: number): Promise<void> {
    const spawned = new Promise<void>((resolve, reject) => {
      this.child.once('spawn', resolve);
      this.child.once('error', (error) =>
        reject(new RuntimeError('worker_unavailable', `cannot start worker "${spec.command?.[0] ?? spec.module}": ${error.message}`)),
      );
    });
    this.child.stderr?.on('data', (chunk: Buffer) => this.stderr.append(chunk.toString('utf8')));
    this.child.on('exit', (code, signal) => void this.handleExit(code, signal));
    this.child.stdin?.on('error', () => undefined);
    await spawned;
    if (endpoint === undefined) {
      this.child.stdout?.on('data', (chunk: Buffer) => this.readStdout(chunk));
    } else {
      this.child.stdout?.resume();
      await waitForPort(endpoint, deadline, this.child);
      const dispatcher = endpoint.socket === undefined ? undefined : new Agent({ connect: { socketPath: endpoint.socket } });
      const transport = new StreamableHTTPClientTransport(new URL(`http://127.0.0.1:${endpoint.port}${spec.path}`), {
        ...(dispatcher ? { fetch: (url, init) => undiciFetch(url, { ...(init as UndiciInit), dispatcher }) as unknown as Promise<Response> } : {}),
      });
      transport.onmessage = (message) => this.receive(message);
      transport.onerror = (error) => this.log.debug('worker http transport error', { pid: this.pid, error: error.message });
      await transport.start();
      this.httpTransport = transport;
    }
    this.watchLimits(spec.isolation === 'process' ? spec.limits.memoryMb : this.launch.watchMemoryMb);
  }

  private readStdout(chunk: Buffer): void {
    this.buffer.append(chunk);
    for (;;) {
      let message: JSONRPCMessage | null;
      try {
        message = this.buffer.readMessage();
      } catch (error) {
        // A server that prints logs to stdout breaks framing for that line only; say so once per line.
        this.log.warn('worker wrote a non-JSON-RPC line to stdout (send logs to stderr)', { pid: this.pid, error: (error as Error).message });
        continue;
      }
      if (!message) return;
      // Said to Toolport, not to a session.
      if ('method' in message && message.method === WORKER_READY.method && !('id' in message)) {
        this.announced = true;
        this.announcement?.(true);
      } else this.receive(message);
    }
  }

  /**
   * Passes a message of the server on, unless its disk is full: the answer of the call that filled it becomes the
   * session's end, naming limits.diskMb, rather than a tool result the caller may not read as fatal.
   */
  private receive(message: JSONRPCMessage): void {
    if (!this.outOfDisk()) this.onmessage?.(message);
  }

  /** Whether the sandbox's HOME or /tmp is full; stops the worker the first time it is. */
  private outOfDisk(): boolean {
    if (this.stopping === 'disk_limit') return true;
    if (this.stopping || !this.launch.diskFull?.(this.pid)) return false;
    this.log.warn('worker filled limits.diskMb; stopping it', { pid: this.pid });
    void this.stop('disk_limit');
    return true;
  }

  /** Sends one message to the hosted server. */
  async send(message: JSONRPCMessage): Promise<void> {
    if (this.exited) throw new RuntimeError('worker_exited', 'the worker process has exited');
    if (this.httpTransport) {
      await this.httpTransport.send(message);
      return;
    }
    this.child.stdin?.write(serializeMessage(message));
  }

  /** Resident memory of the worker's process tree in bytes (Linux /proc; a sandbox's too), or undefined once gone. */
  async rssBytes(): Promise<number | undefined> {
    const sizes = await Promise.all(
      (await processTree(this.pid)).map(async (pid) => {
        const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
        return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) * 1024;
      }),
    );
    const total = sizes.reduce((sum, size) => sum + size, 0);
    return total > 0 ? total : undefined;
  }

  /**
   * Ends the worker once it runs into a limit: past `memoryLimitMb` of resident memory (the RSS watchdog, where no
   * cgroup bounds memory), when its cgroup's OOM killer struck or refused a fork (a fork bomb is stopped, not
   * left holding every pid the session has), or when its HOME and /tmp are full.
   */
  private watchLimits(memoryLimitMb: number | undefined): void {
    const { limitBreach, diskFull } = this.launch;
    if (memoryLimitMb === undefined && limitBreach === undefined && diskFull === undefined) return;
    this.limitTimer = setInterval(() => {
      if (this.outOfDisk()) return;
      if (memoryLimitMb !== undefined) {
        void this.rssBytes().then((rss) => {
          if (rss !== undefined && rss > memoryLimitMb * 1024 * 1024 && !this.stopping) {
            this.log.warn('worker exceeded its memory limit; stopping it', { pid: this.pid, rssMb: Math.round(rss / 1048576), limitMb: memoryLimitMb });
            void this.stop('memory_limit');
          }
        });
      }
      void limitBreach?.().then((breach) => {
        if (breach === undefined || this.stopping) return;
        this.log.warn(`worker ran into limits.${breach === 'memory' ? 'memoryMb' : 'pids'}; stopping it`, { pid: this.pid });
        void this.stop(BREACH_REASON[breach]);
      });
    }, 250);
    this.limitTimer.unref();
  }

  private async handleExit(code: number | null, signal: NodeJS.Signals | null): Promise<void> {
    if (this.exited) return;
    this.exited = true;
    clearInterval(this.limitTimer);
    void this.httpTransport?.close().catch(() => undefined);
    // The OOM killer may end the server before the watch sees it: the cgroup tells, and only before it is removed.
    const breached = this.stopping ? undefined : this.launch.limitBreach?.().catch(() => undefined);
    const leftover = this.storedHome ? join(this.home, WORKER_CREDENTIAL_FILE) : this.home;
    // Set before any await, so a stop() that sees the worker exited waits for the release too.
    this.released = Promise.resolve(breached)
      .then(() => this.launch.release?.())
      .catch(() => undefined)
      .then(() => rm(leftover, { recursive: true, force: true }));
    const breach = await breached;
    const reason = this.stopping ?? (breach ? BREACH_REASON[breach] : 'exited');
    this.exitStatus = { code, signal, reason, stderrSummary: summarizeStderr(this.stderr.text) };
    this.announcement?.(false);
    this.onexit?.(this.exitStatus);
  }

  /** Stops the worker: SIGTERM, then SIGKILL after a grace period; resolves when it has exited. */
  async stop(reason: WorkerExit['reason'] = 'stopped', graceMs = 2_000): Promise<void> {
    if (this.exited) {
      await this.released;
      return;
    }
    this.stopping ??= reason;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.stdin?.end();
    this.child.kill(reason === 'memory_limit' || reason === 'pids_limit' ? 'SIGKILL' : 'SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
    // A platform that stops leaves no cgroup or HOME behind.
    await this.released;
  }
}
