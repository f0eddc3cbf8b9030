// How code Toolport runs for others is held: `isolation`, `sandbox` and the sandbox's `limits`. One definition for
// runtimes and for the gateway targets that run code (function module/lambda, mcp command), so both read the same.
import { z } from 'zod';
import { DEFAULT_SANDBOX_MEMORY_MB, parseEgressRule } from '../sandbox/index.js';

/** The limits a sandbox holds a worker to (a runtime's session, a gateway target's process); a runtime adds its request limits. */
export const sandboxLimitsShape = {
  memoryMb: z
    .number()
    .int()
    .positive()
    .optional()
    .describe(
      `Memory of a worker's whole process tree (a runtime's session, a target's process); past it the worker is ended (isolation: sandbox: a cgroup, default ${DEFAULT_SANDBOX_MEMORY_MB}; process: the RSS watchdog, no default)`,
    ),
  cpus: z.number().positive().max(1024).default(1).describe('isolation: sandbox: CPU cores a worker may use (a cgroup CPU quota; 0.5 is half a core)'),
  pids: z
    .number()
    .int()
    .min(16)
    .max(65_536)
    .default(256)
    .describe('isolation: sandbox: processes and threads a worker may run; a fork bomb ends the worker there'),
  openFiles: z.number().int().min(64).max(1_048_576).default(1024).describe('isolation: sandbox: open files and sockets per process'),
  diskMb: z
    .number()
    .int()
    .min(1)
    .max(1_048_576)
    .default(512)
    .describe(
      'isolation: sandbox: size of its writable HOME and /tmp (memory-backed, counted in memoryMb); filling it ends the session with a JSON-RPC error naming this limit. A stored HOME (sessions.storage) is a host folder bounded by its maxMb instead',
    ),
};

/** A gateway target's `limits:` (a runtime's also bound its requests). */
export const sandboxLimitsSchema = z.object(sandboxLimitsShape).strict();

const sandboxSchema = z
  .object({
    network: z
      .union([
        z.enum(['none', 'host']),
        z
          .object({
            allow: z
              .array(z.string().refine((entry) => parseEgressRule(entry) !== undefined, 'must be host[:port], *.domain[:port] or an IP[:port]'))
              .min(1)
              .describe(
                "Hosts the sandbox may reach through the platform's egress proxy (HTTP_PROXY/HTTPS_PROXY): api.openai.com:443, *.example.com (ports 80 and 443), 127.0.0.1:9000",
              ),
          })
          .strict(),
      ])
      .default('none')
      .describe(
        "none: only the sandbox's own loopback; {allow: [...]}: those hosts only, through an egress proxy that logs each refusal; host: the host's network, including the platform's own ports (an explicit opt-out)",
      ),
    mounts: z
      .array(
        z
          .object({
            source: z.string().min(1).describe("Host path (relative to the config file's folder); must exist"),
            target: z.string().startsWith('/').describe('Absolute path inside the sandbox'),
            readOnly: z.boolean().default(true).describe('Mount read-only (default)'),
          })
          .strict(),
      )
      .default([])
      .describe('Extra host paths the worker may see; nothing else outside the system and its own code is visible'),
  })
  .strict();

/** `isolation` and `sandbox`, as a runtime and a code-running gateway target write them. */
export const isolationShape = {
  isolation: z
    .enum(['sandbox', 'process'])
    .default('sandbox')
    .describe(
      'sandbox (default): each worker in its own Linux namespaces under bubblewrap (system and code read-only, a private HOME, its own PIDs, no network unless sandbox.network says so, its own limits); process: a plain child process trusted with everything the platform can read, only when written (Toolport warns about it)',
    ),
  sandbox: sandboxSchema.prefault({}).describe('isolation: sandbox: what the worker may reach'),
};

/** What decides how a worker is held: a runtime spec, or a gateway target that runs code. */
export type IsolationSettings = z.output<z.ZodObject<typeof isolationShape>>;
