import { z } from 'zod';
import { duration } from './duration.js';

/** Names become URL path segments and ARN suffixes, so keep them to a safe alphabet. */
export const resourceName = z
  .string()
  .regex(/^[A-Za-z][A-Za-z0-9_-]{0,47}$/, 'a name of 1-48 letters, digits, "_" or "-", starting with a letter');

/** `env:NAME` takes the value from Toolport's own environment at spawn time; it is never stored or printed. */
const envValue = z.union([z.string(), z.number().transform(String), z.boolean().transform(String)]);

const authSchema = z.union([
  z.literal('none'),
  z.object({
    jwt: z
      .object({
        discoveryUrl: z.string().url().describe("The issuer's OpenID discovery URL (.../.well-known/openid-configuration)"),
        allowedClients: z.array(z.string()).optional().describe('Accept tokens whose client_id (or azp) is one of these'),
        allowedAudiences: z.array(z.string()).optional().describe('Accept tokens whose aud includes one of these'),
        allowedScopes: z.array(z.string()).optional().describe('Require at least one of these scopes (403 otherwise)'),
        requiredClaims: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional().describe('Claims that must have these values'),
      })
      .strict()
      .refine((jwt) => (jwt.allowedClients?.length ?? 0) + (jwt.allowedAudiences?.length ?? 0) > 0, {
        message: 'give allowedAudiences or allowedClients, or any token from the issuer would be accepted',
        path: ['allowedAudiences'],
      }),
  }),
  z.object({ sigv4: z.object({}).passthrough() }),
]);

const sessionsSchema = z
  .object({
    idleTimeout: duration.prefault('15m').describe('End a session after this long without a request (e.g. 15m)'),
    maxLifetime: duration.prefault('8h').describe('End a session this long after it started (e.g. 8h)'),
    warmPool: z.number().int().min(0).max(64).default(2).describe('Pre-started workers waiting for new sessions'),
    maxSessions: z.number().int().min(1).max(10_000).default(100).describe('Concurrent sessions before 429'),
  })
  .strict();

const limitsSchema = z
  .object({
    maxBodyBytes: z.number().int().positive().default(100 * 1024 * 1024).describe('Largest request body; larger gets 413'),
    requestTimeout: duration.prefault('15m').describe('A request still running after this is cancelled'),
    memoryMb: z.number().int().positive().optional().describe('Kill a worker whose resident memory exceeds this'),
  })
  .strict();

/** One hosted MCP server: a command (stdio or Streamable HTTP) or a module of `defineTool` tools. */
export const runtimeSpecSchema = z
  .object({
    description: z.string().max(500).optional().describe('Shown in listings'),
    command: z.array(z.string().min(1)).min(1).optional().describe('Program and arguments; {port} is replaced for http'),
    module: z.string().min(1).optional().describe('A JS/TS module exporting defineTool tools'),
    transport: z.enum(['stdio', 'http']).default('stdio').describe('How the command speaks MCP'),
    port: z.union([z.literal('auto'), z.number().int().min(1).max(65535)]).default('auto').describe('http: port the server listens on; auto gives each worker a free one'),
    path: z.string().startsWith('/').default('/mcp').describe('http: MCP endpoint path of the server'),
    cwd: z.string().optional().describe('Working directory (default: where toolport runs)'),
    env: z.record(z.string(), envValue).default({}).describe('Worker environment; env:NAME copies NAME from Toolport\'s environment'),
    auth: authSchema.default('none').describe('Inbound authorizer: none (loopback demos only) or jwt; sigv4 comes with Identity'),
    sessions: sessionsSchema.prefault({}).describe('Session lifecycle'),
    limits: limitsSchema.prefault({}).describe('Per-request and per-worker limits'),
  })
  .strict()
  .superRefine((spec, ctx) => {
    if (!spec.command === !spec.module) {
      ctx.addIssue({ code: 'custom', path: ['command'], message: 'give exactly one of "command" or "module"' });
    }
    if (spec.module && spec.transport !== 'stdio') {
      ctx.addIssue({ code: 'custom', path: ['transport'], message: 'a module runtime is served over stdio' });
    }
    if (spec.transport === 'http' && spec.port !== 'auto' && spec.sessions.maxSessions + spec.sessions.warmPool > 1) {
      ctx.addIssue({
        code: 'custom',
        path: ['port'],
        message: 'a fixed port fits one worker only; use port: auto (the port arrives as $PORT and {port}) or set maxSessions 1, warmPool 0',
      });
    }
  });

/** What a runtime is, as stored and versioned. */
export type RuntimeSpec = z.output<typeof runtimeSpecSchema>;
/** What a user writes for a runtime (defaults not yet applied). */
export type RuntimeSpecInput = z.input<typeof runtimeSpecSchema>;

const runtimeEntrySchema = z.intersection(
  z.object({
    name: resourceName.describe('Endpoint /runtimes/{name}/invocations; ARN arn:toolport:runtime:local:000000000000:runtime/{name}'),
    endpoints: z.record(resourceName, z.number().int().positive()).optional().describe('Named endpoints pinned to versions'),
  }),
  runtimeSpecSchema,
);

/** The whole `toolport.yaml`. Sections owned by later parts are accepted as-is and validated by those parts. */
export const configSchema = z
  .object({
    server: z
      .object({
        host: z.string().default('127.0.0.1').describe('Address to bind; keep 127.0.0.1 unless a proxy fronts Toolport'),
        port: z.number().int().min(0).max(65535).default(8080).describe('Port of the HTTP edge (0 picks a free one)'),
        allowedHosts: z.array(z.string()).default([]).describe('Host names besides localhost that requests may address (DNS-rebinding guard)'),
      })
      .strict()
      .prefault({})
      .describe('The HTTP edge'),
    identity: z.unknown().optional().describe('Users, clients and resource servers (Identity; not in this build)'),
    runtimes: z.array(runtimeEntrySchema).default([]).describe('Hosted MCP servers, applied at start'),
    gateways: z.array(z.unknown()).optional().describe('Gateways (not in this build)'),
  })
  .strict();

/** A validated `toolport.yaml`. */
export type Config = z.output<typeof configSchema>;
/** A runtime as declared in the config file. */
export type RuntimeEntry = z.output<typeof runtimeEntrySchema>;
