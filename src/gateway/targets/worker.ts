// Targets that run code (a function's module or Lambda handler, an mcp `command`) run it on the runtime's Worker:
// under the target's own `isolation`, `sandbox` and `limits`, in the same sandbox a runtime's session gets.
import type { JSONRPCMessage, Transport } from '@modelcontextprotocol/client';
import { resolveRuntimePaths, runtimeSpecSchema, type FunctionTargetSpec, type McpTargetSpec, type RuntimeSpec, type TargetSpec } from '../../config/index.js';
import type { Logger } from '../../log/index.js';
import type { Worker, WorkerExit } from '../../runtime/index.js';

/** A target whose code runs in a process of the platform's, and so is held by its isolation keys. */
export type CodeTargetSpec = FunctionTargetSpec | McpTargetSpec;

/** The target's spec when it runs code (function module/lambda, mcp command); undefined for URL and OpenAPI targets. */
export function codeTarget(spec: TargetSpec): CodeTargetSpec | undefined {
  if (spec.type === 'function') return spec.http ? undefined : spec;
  if (spec.type === 'mcp') return spec.command ? spec : undefined;
  return undefined;
}

/** The worker spec of a target's process: what it runs, and how the target says it is held; paths resolved against `baseDir`. */
export function workerSpec(spec: CodeTargetSpec, baseDir: string, run: { module: string } | { command: string[] }): RuntimeSpec {
  const { cwd, env, isolation, sandbox, limits } = spec;
  return runtimeSpecSchema.parse(resolveRuntimePaths({ ...run, ...(cwd === undefined ? {} : { cwd }), env, isolation, sandbox, limits }, baseDir));
}

/** The SDK Transport over a started Worker's stdio; knows how the process ended once it has. */
export class WorkerTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage) => void;
  exit?: WorkerExit;
  /** Resolves once the process has exited and its pipes are drained, so the worker's `stderrTail` is complete. */
  readonly closed: Promise<void>;

  constructor(
    readonly worker: Worker,
    log: Logger,
  ) {
    worker.child.stderr?.on('data', (chunk: Buffer) => {
      // What the code logs (a Lambda's console.log) is readable with TOOLPORT_LOG_LEVEL=debug, as CloudWatch would hold it.
      log.debug('target process stderr', { pid: worker.pid, text: chunk.toString('utf8').trimEnd() });
    });
    this.closed = new Promise((resolve) => worker.child.once('close', () => resolve()));
    worker.onexit = (exit) => {
      this.exit = exit;
      void this.closed.then(() => this.onclose?.());
    };
  }

  async start(): Promise<void> {
    this.worker.onmessage = (message) => {
      // The SDK runs notification handlers a microtask later but settles a response at once, so a response read in
      // the same stdout chunk as the progress notifications before it would drop them; it waits one turn instead.
      if ('id' in message && !('method' in message)) setImmediate(() => this.onmessage?.(message));
      else this.onmessage?.(message);
    };
  }

  send(message: JSONRPCMessage): Promise<void> {
    return this.worker.send(message);
  }

  close(): Promise<void> {
    return this.worker.stop('stopped', 500);
  }
}
