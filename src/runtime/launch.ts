import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { ConfigError, envRefName, type RuntimeSpec } from '../config/index.js';
import { SESSION_PROTOCOL_VERSION } from '../http/index.js';
import type { Logger } from '../log/index.js';
import { ensureSandboxSupport } from '../sandbox/index.js';
import { findOnPath, isExecutable, isFile, pathFolders } from './programs.js';
import { Worker } from './worker.js';

const PROBE_TIMEOUT_MS = 10_000;
const PROBE_ID = 'toolport-probe';

async function isDirectory(path: string): Promise<boolean> {
  return (await stat(path).catch(() => undefined))?.isDirectory() ?? false;
}

/** The PATH a worker's program is looked up on: the runtime's own, when it sets one literally, else Toolport's. */
function searchPath(spec: RuntimeSpec): string[] {
  const own = spec.env.PATH;
  const path = own !== undefined && envRefName(own) === undefined ? own : (process.env.PATH ?? '');
  return pathFolders(path);
}

async function programProblem(spec: RuntimeSpec, program: string, cwd: string): Promise<string | undefined> {
  if (program.includes('/')) {
    const file = resolve(cwd, program);
    return (await isExecutable(file)) ? undefined : `the program ${file} does not exist or is not executable`;
  }
  return (await findOnPath(program, searchPath(spec))) ? undefined : `the program "${program}" is not on PATH`;
}

/**
 * Refuses a runtime whose module, program or working directory does not exist, when it is created or applied,
 * instead of at its first call.
 */
export async function assertLaunchable(spec: RuntimeSpec, what: string): Promise<void> {
  const cwd = spec.cwd ?? process.cwd();
  const problems: { path: string; message: string }[] = [];
  if (!(await isDirectory(cwd))) problems.push({ path: 'cwd', message: `the working directory ${cwd} does not exist` });
  if (spec.module !== undefined && !(await isFile(spec.module))) problems.push({ path: 'module', message: `the module ${spec.module} does not exist` });
  const program = spec.command?.[0];
  const programIssue = program === undefined ? undefined : await programProblem(spec, program, cwd);
  if (programIssue) problems.push({ path: 'command', message: programIssue });
  for (const [index, mount] of spec.sandbox.mounts.entries()) {
    if (!(await stat(mount.source).catch(() => undefined)))
      problems.push({ path: `sandbox.mounts.${index}.source`, message: `the mount source ${mount.source} does not exist` });
  }
  if (spec.isolation === 'sandbox') await ensureSandboxSupport().catch((error: Error) => problems.push({ path: 'isolation', message: error.message }));
  if (problems.length) throw new ConfigError(`${what} cannot start:\n${problems.map((p) => `  ${p.path}: ${p.message}`).join('\n')}`, problems);
}

/** Why a worker of this spec could not answer `initialize`, in a line or a few; undefined once it did. */
export async function probeRuntime(spec: RuntimeSpec, log: Logger): Promise<string | undefined> {
  let worker: Worker;
  try {
    worker = await Worker.start(spec, log);
  } catch (error) {
    return (error as Error).message;
  }
  try {
    return await new Promise<string | undefined>((settle) => {
      const timer = setTimeout(() => settle(`no answer to initialize within ${PROBE_TIMEOUT_MS / 1000} s`), PROBE_TIMEOUT_MS);
      const done = (problem: string | undefined): void => {
        clearTimeout(timer);
        settle(problem);
      };
      worker.onmessage = (message) => {
        if (!('id' in message) || message.id !== PROBE_ID) return;
        done('error' in message ? `initialize failed: ${message.error.message}` : undefined);
      };
      worker.onexit = (exit) => {
        // The worker's own summary (from its first error line), as a session's callers see it.
        done(
          `the worker exited (code ${String(exit.code ?? exit.signal)}) before answering initialize${exit.stderrSummary ? `:\n    ${exit.stderrSummary}` : ''}`,
        );
      };
      worker
        .send({
          jsonrpc: '2.0',
          id: PROBE_ID,
          method: 'initialize',
          params: { protocolVersion: SESSION_PROTOCOL_VERSION, capabilities: {}, clientInfo: { name: 'toolport-probe', version: '0.1.0' } },
        })
        .catch((error: unknown) => done(`cannot send initialize: ${(error as Error).message}`));
    });
  } finally {
    await worker.stop();
  }
}
