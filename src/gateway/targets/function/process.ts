// One child process per module or lambda target, run on the runtime's Worker (sandboxed unless the target says
// `isolation: process`) and spoken to with the SDK's Client.
// It starts on first use, is stopped when a call times out, and starts again after any exit, so one hung or
// crashed call costs one error, not the target.
import { Client, type CallToolRequest, type CallToolResult, type Tool } from '@modelcontextprotocol/client';
import type { RuntimeSpec } from '../../../config/index.js';
import type { Logger } from '../../../log/index.js';
import { Worker, summarizeStderr, type WorkerExit } from '../../../runtime/index.js';
import { TargetError, type CallContext } from '../types.js';
import { WorkerTransport } from '../worker.js';
import { sdkTimeoutPast, syncTimeoutMs, timedOut } from '../../deadline.js';

const STARTUP_TIMEOUT_MS = 20_000;

interface Running {
  worker: Worker;
  transport: WorkerTransport;
  client: Client;
}

function describeExit(exit: WorkerExit | undefined): string {
  if (!exit) return 'exited';
  return exit.signal ? `was killed by ${exit.signal}` : `exited with code ${exit.code}`;
}

/** The child process of one function target. */
export class FunctionProcess {
  private current?: Promise<Running>;

  constructor(
    /** What the child runs and how it is held (the target's isolation, sandbox and limits). */
    private readonly spec: RuntimeSpec,
    /** Names the code in errors, e.g. `module examples/tools.ts`. */
    private readonly what: string,
    private readonly log: Logger,
  ) {}

  /** Starts the child if it is not running (so a module that does not load fails here, at catalog). */
  async ensureStarted(): Promise<void> {
    await this.running();
  }

  /** The child's own tool list (module targets: the schemas derived from the zod types). */
  async listTools(signal: AbortSignal, timeoutMs: number): Promise<Tool[]> {
    const { client } = await this.running();
    // Without a cursor the SDK walks every page itself (bounded by the client's `listMaxPages`); the sync's deadline
    // (on `signal`) ends it.
    return (await client.listTools(undefined, { signal, timeout: sdkTimeoutPast(syncTimeoutMs(timeoutMs)) })).tools;
  }

  /**
   * Calls a tool in the child. When the call's deadline (the guard's, `timeoutMs`, on `call.signal`) passes, the child
   * is stopped (a handler that ignores cancellation cannot be stopped any other way) and the call rejects with a
   * `timeout` TargetError; the next call starts a fresh child. A caller's cancellation is passed on as
   * `notifications/cancelled` and the child keeps running.
   */
  async callTool(params: CallToolRequest['params'], call: CallContext, timeoutMs: number): Promise<CallToolResult> {
    const running = await this.running();
    // The gateway may have given up while the child was starting; that is not this child's fault, so leave it be.
    call.signal.throwIfAborted();
    const onProgress = call.onProgress;
    try {
      return (await running.client.callTool(params, {
        signal: call.signal,
        // The guard's deadline decides, and stops the child.
        timeout: sdkTimeoutPast(timeoutMs),
        ...(onProgress ? { onprogress: ({ progress, total, message }) => onProgress({ progress, total, message }) } : {}),
      })) as CallToolResult;
    } catch (error) {
      if (timedOut(call.signal)) {
        this.log.warn('function call timed out; stopping its process', { what: this.what, tool: params.name, timeoutMs, pid: running.worker.pid });
        await this.retire(running);
        throw new TargetError('timeout', `${params.name} did not answer within ${timeoutMs} ms; its process was stopped and starts again for the next call`);
      }
      if (call.signal.aborted) throw call.signal.reason;
      if (running.transport.exit) {
        await running.transport.closed;
        // The caller gets a safe message; its own stderr tail goes to the log, and into the detail shown at debug.
        const tail = running.worker.stderrTail;
        const ended = describeExit(running.transport.exit);
        this.log.warn('function process ended during a call', {
          what: this.what,
          tool: params.name,
          pid: running.worker.pid,
          ended,
          stderr: summarizeStderr(tail),
        });
        throw new TargetError('upstream', `the process running ${this.what} ${ended} during the call; it starts again for the next call`, tail);
      }
      throw new TargetError('upstream', `${this.what} refused the call to ${params.name}: ${(error as Error).message}`);
    }
  }

  /** Stops the child; a later call starts a new one. */
  async close(): Promise<void> {
    const pending = this.current;
    this.current = undefined;
    const running = await pending?.catch(() => undefined);
    if (running) await this.retire(running);
  }

  private async retire(running: Running): Promise<void> {
    await running.worker.stop('stopped', 500);
    await running.client.close().catch(() => undefined);
  }

  /** The live child, started on demand; a child that has exited is replaced (one retry, so a crash loop surfaces). */
  private async running(): Promise<Running> {
    for (let attempt = 0; attempt < 2; attempt += 1) {
      const pending = (this.current ??= this.start());
      let running: Running;
      try {
        running = await pending;
      } catch (error) {
        if (this.current === pending) this.current = undefined;
        throw error;
      }
      if (running.worker.alive) return running;
      if (this.current === pending) this.current = undefined;
    }
    throw new TargetError('unreachable', `the process running ${this.what} exits as soon as it starts; check its stderr`);
  }

  private async start(): Promise<Running> {
    let worker: Worker;
    try {
      worker = await Worker.start(this.spec, this.log);
    } catch (error) {
      throw new TargetError('unreachable', `cannot start the process for ${this.what}: ${(error as Error).message}`);
    }
    const transport = new WorkerTransport(worker, this.log);
    const client = new Client({ name: 'toolport-gateway', version: '1.0.0' });
    try {
      await client.connect(transport, { timeout: STARTUP_TIMEOUT_MS });
    } catch (error) {
      if (transport.exit) {
        await transport.closed;
        const tail = worker.stderrTail;
        throw new TargetError(
          'invalid',
          `${this.what} failed to load (its process ${describeExit(transport.exit)}): ${summarizeStderr(tail) || 'no output on stderr'}`,
          tail,
        );
      }
      await worker.stop('stopped', 500);
      throw new TargetError('unreachable', `${this.what} did not answer initialize: ${(error as Error).message}`, worker.stderrTail);
    }
    this.log.debug('function process started', { what: this.what, pid: worker.pid });
    return { worker, transport, client };
  }
}
