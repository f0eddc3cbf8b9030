import { z } from 'zod';
import { duration } from './duration.js';
import { isolationShape, sandboxLimitsShape } from './isolation.js';
import { gatewayTargetSchema } from './targets/spec.js';

/** Names become URL path segments and ARN suffixes, so keep them to a safe alphabet. */
export const resourceName = z.string().regex(/^[A-Za-z][A-Za-z0-9_-]{0,47}$/, 'a name of 1-48 letters, digits, "_" or "-", starting with a letter');

/** `env:NAME` takes the value from Toolport's own environment at spawn time; it is never stored or printed. */
const envValue = z.union([z.string(), z.number().transform(String), z.boolean().transform(String)]);

/** Inbound auth of a runtime or gateway: `none` (explicit), `jwt`, or `sigv4`. */
export const authSchema = z.union([
  z.literal('none'),
  z
    .object({
      jwt: z
        .object({
          discoveryUrl: z
            .string()
            .refine((value) => value.startsWith('/') || URL.canParse(value), 'an http(s) URL, or a path such as /identity/.well-known/openid-configuration')
            .describe("The issuer's OpenID discovery URL (.../.well-known/openid-configuration); a path (/identity/...) means this platform's own Identity"),
          allowedClients: z.array(z.string()).optional().describe('Accept tokens whose client_id (or azp) is one of these'),
          allowedAudiences: z.array(z.string()).optional().describe('Accept tokens whose aud includes one of these'),
          allowedScopes: z.array(z.string()).optional().describe('Require at least one of these scopes (403 otherwise)'),
          requiredClaims: z
            .record(z.string(), z.union([z.string(), z.number(), z.boolean()]))
            .optional()
            .describe('Claims that must have these values'),
        })
        .strict()
        .refine((jwt) => (jwt.allowedClients?.length ?? 0) + (jwt.allowedAudiences?.length ?? 0) > 0, {
          message: 'give allowedAudiences or allowedClients, or any token from the issuer would be accepted',
          path: ['allowedAudiences'],
        }),
    })
    .strict(),
  z
    .object({
      sigv4: z
        .object({
          region: z
            .string()
            .regex(/^[a-z0-9-]{1,32}$/, 'an AWS-style region such as us-east-1')
            .optional()
            .describe('Accept only signatures scoped to this region (default: any region)'),
        })
        .strict()
        .describe('AWS Signature V4 (service bedrock-agentcore) with access keys issued by Toolport Identity'),
    })
    .strict(),
]);

const sessionsSchema = z
  .object({
    idleTimeout: duration.prefault('15m').describe('End a session after this long without a request (e.g. 15m)'),
    maxLifetime: duration.prefault('8h').describe('End a session this long after it started (e.g. 8h)'),
    warmPool: z
      .number()
      .int()
      .min(0)
      .max(64)
      .default(8)
      .describe('Most pre-started workers waiting for new sessions; the pool grows toward it with the arrival rate of new sessions (0: none)'),
    warmPoolMin: z
      .number()
      .int()
      .min(0)
      .max(64)
      .default(2)
      .describe('Pre-started workers kept even when no sessions arrive (at most warmPool); an idle pool shrinks back to it'),
    maxSessions: z.number().int().min(1).max(10_000).default(100).describe('Concurrent sessions before 429'),
    storage: z
      .object({
        persist: z.boolean().default(false).describe("Keep a session's HOME after its worker stops, for the next request with its session id"),
        maxMb: z
          .number()
          .int()
          .min(1)
          .max(1_048_576)
          .default(512)
          .describe('Largest stored HOME; measured every second and when the worker stops, a session past it ends and its HOME is not kept'),
        expireAfter: duration.prefault('14d').describe('Delete a stored HOME this long after its session last ended (e.g. 14d)'),
      })
      .strict()
      .optional()
      .describe("AgentCore's session storage: a session's HOME under DATA_DIR/sessions, mounted again for its owner"),
  })
  .strict();

const limitsSchema = z
  .object({
    maxBodyBytes: z
      .number()
      .int()
      .positive()
      .default(4 * 1024 * 1024)
      .describe(
        'Largest request body (default 4 MiB, like gateways); larger gets 413 before more is read, and a SigV4 runtime reads at most this much to check a signature',
      ),
    requestTimeout: duration.prefault('15m').describe('A request still running after this is cancelled'),
    ...sandboxLimitsShape,
  })
  .strict();

const runtimeSpecShape = z
  .object({
    description: z.string().max(500).optional().describe('Shown in listings'),
    command: z.array(z.string().min(1)).min(1).optional().describe('Program and arguments; {port} is replaced for http'),
    module: z.string().min(1).optional().describe('A JS/TS module exporting defineTool tools (relative to the config file)'),
    transport: z.enum(['stdio', 'http']).default('stdio').describe('How the command speaks MCP'),
    port: z
      .union([z.literal('auto'), z.number().int().min(1).max(65535)])
      .default('auto')
      .describe('http: port the server listens on; auto gives each worker a free one'),
    path: z.string().startsWith('/').default('/mcp').describe('http: MCP endpoint path of the server'),
    cwd: z
      .string()
      .optional()
      .describe(
        "Working directory (default: the config file's folder); relative paths here, in module and in a command's program resolve against the config file's folder",
      ),
    env: z.record(z.string(), envValue).default({}).describe("Worker environment; env:NAME copies NAME from Toolport's environment"),
    auth: authSchema
      .default('none')
      .describe('Inbound authorizer: none (loopback demos only), jwt, or sigv4 (access keys from toolport identity access-key create)'),
    sessions: sessionsSchema.prefault({}).describe('Session lifecycle'),
    limits: limitsSchema.prefault({}).describe('Per-request and per-worker limits'),
    ...isolationShape,
  })
  .strict();

function checkRuntimeSpec(spec: z.output<typeof runtimeSpecShape>, ctx: z.RefinementCtx): void {
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
}

/** One hosted MCP server: a command (stdio or Streamable HTTP) or a module of `defineTool` tools. */
export const runtimeSpecSchema = runtimeSpecShape.superRefine(checkRuntimeSpec);

/** What a runtime is, as stored and versioned. */
export type RuntimeSpec = z.output<typeof runtimeSpecSchema>;
/** What a user writes for a runtime (defaults not yet applied). */
export type RuntimeSpecInput = z.input<typeof runtimeSpecSchema>;

// One object (not an intersection) so that an unknown key is reported with every known key to compare against.
const runtimeEntrySchema = runtimeSpecShape
  .extend({
    name: resourceName.describe('Endpoint /runtimes/{name}/invocations; ARN arn:toolport:runtime:local:000000000000:runtime/{name}'),
    endpoints: z.record(resourceName, z.number().int().positive()).optional().describe('Named endpoints pinned to versions'),
  })
  .superRefine(checkRuntimeSpec);

const permissionRuleSchema = z
  .object({
    scopes: z.array(z.string()).optional().describe("Allowed when the caller's token has at least one of these scopes"),
    claims: z
      .record(z.string(), z.union([z.string(), z.number(), z.boolean()]))
      .optional()
      .describe('Allowed when every named claim has this value'),
  })
  .strict();

const searchSchema = z.union([
  z.boolean(),
  z
    .object({
      enabled: z.boolean().default(true).describe('Offer the search tool'),
      name: z
        .string()
        .regex(/^[A-Za-z0-9_.-]{1,128}$/)
        .default('x_amz_bedrock_agentcore_search')
        .describe("Name of the search tool (AgentCore's by default, so existing agents keep working)"),
      embeddings: z
        .object({
          url: z.string().url().describe('Base URL of an OpenAI-compatible API (POST {url}/embeddings), e.g. https://api.openai.com/v1'),
          model: z.string().min(1).describe('Embedding model name'),
          apiKey: z.string().optional().describe("Bearer key; env:NAME reads it from Toolport's environment"),
          weight: z.number().min(0).max(1).default(0.5).describe('Share of the embedding similarity in the blended score'),
        })
        .strict()
        .optional()
        .describe('Optional embedding provider blended with the offline ranker'),
    })
    .strict(),
]);

const gatewaySpecShape = z
  .object({
    description: z.string().max(500).optional().describe('Shown in listings'),
    auth: authSchema.default('none').describe('Inbound authorizer, the same forms as runtimes'),
    search: searchSchema.default(false).describe('true, or { name, embeddings }: offer the tool-search tool'),
    permissions: z
      .record(z.string().min(1), permissionRuleSchema)
      .default({})
      .describe(
        'Name pattern ("billing___*") → who may use it: tools and prompts by name, resources and templates as {target}___{uri}; what no pattern matches is open to every authenticated caller',
      ),
    exceptionLevel: z.enum(['safe', 'debug']).default('safe').describe("debug also shows callers the target's own error text"),
    audit: z
      .object({ arguments: z.boolean().default(false).describe('Store call arguments in the audit log') })
      .strict()
      .prefault({})
      .describe('What the audit log keeps'),
    maxBodyBytes: z
      .number()
      .int()
      .positive()
      .default(4 * 1024 * 1024)
      .describe('Largest MCP request body; larger gets 413'),
    maxSessions: z
      .number()
      .int()
      .min(1)
      .max(100_000)
      .default(1000)
      .describe('Concurrent 2025-11-25 sessions before initialize gets 429 with Retry-After (2026-07-28 requests hold none)'),
    pageSize: z
      .number()
      .int()
      .min(1)
      .max(20_000)
      .default(5000)
      .describe('Items per tools/list (and other list) page; clients follow nextCursor past it. Every page is a round trip'),
    targets: z
      .array(z.lazy(() => gatewayTargetSchema))
      .default([])
      .describe('What the gateway fronts: mcp, openapi or function targets'),
  })
  .strict();

function checkTargetNames(spec: z.output<typeof gatewaySpecShape>, ctx: z.RefinementCtx): void {
  const seen = new Set<string>();
  for (const [index, target] of spec.targets.entries()) {
    if (seen.has(target.name)) ctx.addIssue({ code: 'custom', path: ['targets', index, 'name'], message: `target "${target.name}" is declared twice` });
    seen.add(target.name);
  }
}

/** One gateway: its auth, policy, search and targets (each target\'s tools appear as `{target}___{tool}`). */
export const gatewaySpecSchema = gatewaySpecShape.superRefine(checkTargetNames);

/** A gateway as stored (defaults applied). */
export type GatewaySpec = z.output<typeof gatewaySpecSchema>;

const gatewayEntrySchema = gatewaySpecShape.extend({ name: resourceName.describe('Endpoint /gateways/{name}/mcp') }).superRefine(checkTargetNames);

/** Runtimes whose tools may fetch a credential through the vault's workload endpoint. */
const credentialRuntimes = z
  .array(resourceName)
  .default([])
  .describe('Runtimes whose tools may fetch this credential (withAccessToken / withApiKey); gateways use any credential their targets name');

/** One outbound credential in Identity's vault; secrets are encrypted at rest, and written here as env:NAME. */
export const credentialProviderSchema = z
  .discriminatedUnion('type', [
    z
      .object({
        name: resourceName.describe('How gateway targets and tools name this credential'),
        type: z.literal('apiKey'),
        apiKey: z.string().min(1).describe("The key; env:NAME reads it from Toolport's environment when applied"),
        runtimes: credentialRuntimes,
      })
      .strict(),
    z
      .object({
        name: resourceName.describe('How gateway targets and tools name this credential'),
        type: z.literal('oauth2'),
        discoveryUrl: z.string().url().optional().describe("The issuer's discovery URL (.well-known/openid-configuration or oauth-authorization-server)"),
        tokenUrl: z.string().url().optional().describe('Token endpoint, when the issuer has no discovery document'),
        authorizationUrl: z.string().url().optional().describe('Authorization endpoint for the user flow, when the issuer has no discovery document'),
        clientId: z.string().min(1).describe('The OAuth client id registered at that issuer'),
        clientSecret: z.string().min(1).optional().describe("Client secret; env:NAME reads it from Toolport's environment (omit for a public client)"),
        clientAuth: z
          .enum(['client_secret_basic', 'client_secret_post'])
          .default('client_secret_basic')
          .describe('How the client authenticates at the token endpoint (RFC 6749 §2.3.1)'),
        scopes: z.array(z.string().min(1)).default([]).describe('Scopes requested when a caller names none'),
        runtimes: credentialRuntimes,
      })
      .strict(),
  ])
  .superRefine((provider, ctx) => {
    if (provider.type === 'oauth2' && !provider.discoveryUrl && !provider.tokenUrl) {
      ctx.addIssue({ code: 'custom', path: ['tokenUrl'], message: 'give discoveryUrl or tokenUrl, so the vault knows where to get tokens' });
    }
  });

/** A credential provider as stored (defaults applied, secrets still as given). */
export type CredentialProviderSpec = z.output<typeof credentialProviderSchema>;
/** A credential provider as a user writes it. */
export type CredentialProviderInput = z.input<typeof credentialProviderSchema>;

/** A secret in `toolport.yaml`: the value itself, or `env:NAME` to read it from Toolport's environment at start. */
const secretValue = z.string().min(1);

/** Identity's authorization server: users, resource servers, clients, token lifetimes (applied at start). */
export const identityConfigSchema = z
  .object({
    users: z
      .array(
        z
          .object({
            username: z.string().min(1).describe('Sign-in name (login page and Cognito USERNAME)'),
            password: secretValue.describe('Password, or env:NAME; stored only as a scrypt hash'),
            email: z.string().email().optional().describe('Shown in ID tokens (email scope)'),
          })
          .strict(),
      )
      .default([])
      .describe('Users who sign in on the login page or through /identity/cognito'),
    resourceServers: z
      .array(
        z
          .object({
            identifier: z.string().min(1).describe('Resource server id; its scopes are requested as {identifier}/{scope} and tokens get aud = identifier'),
            name: z.string().optional().describe('Shown in listings'),
            scopes: z.array(z.string()).default([]).describe('Scope names, e.g. [read, write]'),
          })
          .strict(),
      )
      .default([])
      .describe('APIs with their own scopes (Cognito resource servers)'),
    clients: z
      .array(
        z
          .object({
            clientId: z.string().min(1).describe('The client_id'),
            name: z.string().optional().describe('Shown on the consent page'),
            secret: secretValue.optional().describe('Client secret, or env:NAME; omit for a public client (PKCE). Stored only as a keyed HMAC-SHA-256 digest'),
            grants: z
              .array(z.enum(['client_credentials', 'authorization_code', 'refresh_token', 'password']))
              .min(1)
              .describe('OAuth grants; password = Cognito USER_PASSWORD_AUTH at /identity/cognito'),
            scopes: z.array(z.string()).default([]).describe('Scopes the client may get: {resource-server}/{scope} or openid, profile, email, offline_access'),
            redirectUris: z.array(z.string().url()).default([]).describe('authorization_code: allowed redirect URIs (loopback ones match any port)'),
            resources: z
              .array(z.string())
              .default([])
              .describe(
                'Runtimes and gateways of this platform the client may name as resource (RFC 8707), by path: /runtimes/NAME/invocations, /gateways/NAME/mcp. Without it, a client names them only in flows a user consents to, never client_credentials',
              ),
          })
          .strict(),
      )
      .default([])
      .describe('OAuth clients: M2M (client_credentials), browser/CLI (authorization_code + PKCE), Cognito quick mode (password)'),
    tokens: z
      .object({
        accessToken: duration.prefault('1h').describe('Access token lifetime'),
        idToken: duration.prefault('1h').describe('ID token lifetime'),
        refreshToken: duration.prefault('30d').describe('Refresh token lifetime (rotated on every use)'),
        authorizationCode: duration.prefault('1m').describe('Authorization code lifetime'),
      })
      .strict()
      .prefault({})
      .describe('Token lifetimes'),
    registration: z.boolean().default(true).describe('Let public clients register themselves (RFC 7591), as MCP clients do'),
  })
  .strict();

/** The `identity:` section as validated (durations in milliseconds, secrets still as written). */
export type IdentityConfig = z.output<typeof identityConfigSchema>;

/** The whole `toolport.yaml`; every section is strict, so a misspelt key is an error that names it. */
export const configSchema = z
  .object({
    server: z
      .object({
        host: z.string().default('127.0.0.1').describe('Address to bind; keep 127.0.0.1 unless a proxy fronts Toolport'),
        port: z.number().int().min(0).max(65535).default(8080).describe('Port of the HTTP edge (0 picks a free one)'),
        allowedHosts: z.array(z.string()).default([]).describe('Host names besides localhost that requests may address (DNS-rebinding guard)'),
        publicUrl: z
          .string()
          .url()
          .regex(/^https?:\/\//, 'must be an http:// or https:// URL')
          .optional()
          .describe(
            'URL clients reach Toolport at (e.g. a proxy in front of it); required when host is not loopback. The issuer and every advertised URL come from it, never from the Host header',
          ),
      })
      .strict()
      .prefault({})
      .describe('The HTTP edge'),
    identity: identityConfigSchema
      .prefault({})
      .describe('Identity: users, clients, resource servers and token lifetimes of the authorization server at /identity'),
    runtimes: z.array(runtimeEntrySchema).default([]).describe('Hosted MCP servers, applied at start'),
    credentials: z
      .array(credentialProviderSchema)
      .default([])
      .superRefine((providers, ctx) => {
        const seen = new Set<string>();
        for (const [index, provider] of providers.entries()) {
          if (seen.has(provider.name)) ctx.addIssue({ code: 'custom', path: [index, 'name'], message: `credential "${provider.name}" is declared twice` });
          seen.add(provider.name);
        }
      })
      .describe("Outbound credentials (API keys, OAuth clients) kept encrypted in Identity's vault, applied at start"),
    gateways: z.array(gatewayEntrySchema).default([]).describe('Gateways: one MCP endpoint /gateways/{name}/mcp in front of many targets, applied at start'),
  })
  .strict();

/** A validated `toolport.yaml`. */
export type Config = z.output<typeof configSchema>;
/** A gateway as declared in the config file. */
export type GatewayEntry = z.output<typeof gatewayEntrySchema>;
/** A runtime as declared in the config file. */
export type RuntimeEntry = z.output<typeof runtimeEntrySchema>;
