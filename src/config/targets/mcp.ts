// Fields every gateway target has, and the `mcp` target's own keys. Imports only zod, durations and the isolation
// keys, so the config schema can include it; the union of all target types is in spec.ts.
import { z } from 'zod';
import { duration } from '../duration.js';
import { isolationShape, sandboxLimitsSchema } from '../isolation.js';

/** `{target}___{tool}` is split at the first `___`, so a target name must not contain it nor end in `_`. */
const targetName = z
  .string()
  .regex(/^[A-Za-z][A-Za-z0-9_-]{0,47}$/, 'a name of 1-48 letters, digits, "_" or "-", starting with a letter')
  .refine((name) => !name.includes('___'), 'a target name must not contain "___" (it separates target and tool in tool names)')
  // "a_" + "___" + "b" would read as "a" + "___" + "_b": the join stays unambiguous only if no target name ends in "_".
  .refine((name) => !name.endsWith('_'), 'a target name must not end in "_" (its tool names would run into the "___" separator)');

/** Outbound credentials from Identity's vault; the caller's own token is never forwarded. */
export const outboundCredentialsSchema = z
  .object({
    provider: z.string().min(1).describe('Name of the credential provider in the vault'),
    in: z.enum(['header', 'query']).default('header').describe('Where an API key goes'),
    name: z.string().min(1).optional().describe('Header or query parameter name for an API key (default Authorization / api_key)'),
    scopes: z.array(z.string()).optional().describe('OAuth2 client-credentials scopes to request'),
  })
  .strict();

/** Fields every target type has. */
export const targetCommonShape = {
  name: targetName.describe("Prefix of this target's tools: {name}___{tool}"),
  description: z.string().max(500).optional().describe('Shown in listings'),
  timeout: duration.prefault('60s').describe('A call still running after this is cancelled and answered with an error'),
  maxConcurrency: z.number().int().min(1).max(10_000).default(32).describe('Calls in flight at once; more wait in line until the timeout'),
  syncInterval: duration.prefault('10m').describe("Re-read the target's catalog this often (0 = only on create, update and demand)"),
  breaker: z
    .object({
      failures: z.number().int().min(1).default(5).describe('Consecutive failures that open the circuit'),
      cooldown: duration.prefault('30s').describe('How long an open circuit refuses calls before one trial call'),
    })
    .strict()
    .prefault({})
    .describe('Circuit breaker: fail fast while the target is down'),
  credentials: outboundCredentialsSchema.optional().describe('Outbound credentials from the vault'),
  allowLinkLocal: z
    .boolean()
    .optional()
    .describe(
      'true: let this target reach link-local and cloud metadata addresses (169.254.0.0/16, fe80::/10, fd00:ec2::254, 100.100.100.200), refused by default',
    ),
  prefix: z
    .boolean()
    .default(true)
    .describe(
      'false: offer tools and prompts under their own names, not {name}___{tool} (e.g. a gateway in front of one server); a name another target already offers is reported, not served',
    ),
};

/**
 * How a target that runs code (a function's module or handler, an mcp command) holds its process: the runtime's own
 * keys, with the same default (sandbox).
 */
export const targetIsolationShape = {
  ...isolationShape,
  limits: sandboxLimitsSchema.prefault({}).describe("isolation: sandbox: what the target's process may use (memoryMb also under process)"),
};

/** An MCP server as a target: a remote Streamable HTTP URL, a Toolport runtime, or a stdio command. */
export const mcpTargetSchema = z
  .object({
    ...targetCommonShape,
    type: z.literal('mcp'),
    url: z.string().url().optional().describe('Streamable HTTP endpoint of a remote MCP server'),
    runtime: z.string().min(1).optional().describe('A Toolport runtime by name, reached in process'),
    command: z.array(z.string().min(1)).min(1).optional().describe('A stdio MCP server: program and arguments'),
    cwd: z.string().optional().describe('command: working directory (relative to the config file)'),
    env: z.record(z.string(), z.string()).default({}).describe("command: environment; env:NAME copies NAME from Toolport's environment"),
    ...targetIsolationShape,
  })
  .strict()
  .superRefine((spec, ctx) => {
    const given = [spec.url, spec.runtime, spec.command].filter((v) => v !== undefined).length;
    if (given !== 1) ctx.addIssue({ code: 'custom', path: ['url'], message: 'give exactly one of "url", "runtime" or "command"' });
  });

/** An mcp target as stored. */
export type McpTargetSpec = z.output<typeof mcpTargetSchema>;
