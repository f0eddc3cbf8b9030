// What every verb that talks to an MCP endpoint shares: usage errors, the target and auth flags, and one connection.
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import {
  AUTH_MODES,
  PROTOCOL_CHOICES,
  connect,
  type AuthMode,
  type AuthOptions,
  type ClientHandlers,
  type Connection,
  type ConnectOptions,
  type ProtocolChoice,
} from '../client/index.js';

/** A mistake in the command line, printed without a stack trace. */
export class UsageError extends Error {}

/** The target and auth flags every verb that talks to an MCP endpoint takes. */
export interface AuthFlags {
  server?: string;
  qualifier?: string;
  auth?: string;
  token?: string;
  tokenFile?: string;
  clientId?: string;
  clientSecret?: string;
  scope?: string[];
  discoveryUrl?: string;
  tokenUrl?: string;
  resource?: string;
  region?: string;
  username?: string;
  password?: string;
  cognitoEndpoint?: string;
  redirectUri?: string;
  clientMetadataUrl?: string;
  browser?: boolean;
  timeout?: string;
  protocol?: string;
}

const repeat = (value: string, all: string[] = []): string[] => [...all, value];

/** Adds the target and auth flags to a verb. */
export function authFlags(command: Command): Command {
  return command
    .option('--server <url>', 'Toolport server for runtime:/gateway: names (env TOOLPORT_SERVER)')
    .option('--qualifier <endpoint>', 'runtime endpoint, e.g. prod (default DEFAULT)')
    .option('--auth <mode>', `how to authenticate: ${AUTH_MODES.join(', ')} (default: inferred from the flags given)`)
    .option('--token <jwt>', 'bearer token (env TOOLPORT_TOKEN)')
    .option('--token-file <file>', 'read the bearer token from a file')
    .option('--client-id <id>', 'OAuth client id (oauth, m2m, password; mcp when pre-registered)')
    .option('--client-secret <secret>', 'OAuth client secret (env TOOLPORT_CLIENT_SECRET)')
    .option('--scope <scope>', 'scope to request, e.g. gateway/read (repeat, or space-separated)', repeat)
    .option('--discovery-url <url>', "the issuer's .well-known/openid-configuration URL")
    .option('--token-url <url>', 'token endpoint, for m2m without discovery')
    .option('--resource <uri>', 'RFC 8707 resource indicator for the token')
    .option('--region <region>', 'AWS region (sigv4, password) when the target or discovery URL names none')
    .option('--username <name>', 'Cognito user (password)')
    .option('--password <password>', 'Cognito password (env TOOLPORT_PASSWORD; prompted on a terminal)')
    .option('--cognito-endpoint <url>', "Cognito API endpoint, e.g. Toolport's http://127.0.0.1:8080/identity/cognito")
    .option('--redirect-uri <url>', 'loopback redirect for oauth/mcp sign-in (default http://127.0.0.1:<free port>/callback)')
    .option(
      '--client-metadata-url <url>',
      "mcp: HTTPS URL of this client's metadata document (SEP-991), the client id where the authorization server accepts one",
    )
    .option('--no-browser', 'print the sign-in URL instead of opening a browser')
    .option('--timeout <duration>', 'per-request timeout, e.g. 90s or 10m (default: none)')
    .option('--protocol <revision>', 'auto (default): 2026-07-28 where the server speaks it, else a 2025-11-25 session; 2025-11-25 or 2026-07-28 forces one');
}

/** `--auth` when given, else what the other flags imply. */
function inferMode(flags: AuthFlags, token: string | undefined): AuthMode {
  if (flags.auth) {
    if (!(AUTH_MODES as readonly string[]).includes(flags.auth)) throw new UsageError(`--auth must be one of ${AUTH_MODES.join(', ')}, got "${flags.auth}"`);
    return flags.auth as AuthMode;
  }
  if (token) return 'bearer';
  if (flags.username) return 'password';
  if ((flags.clientSecret ?? process.env.TOOLPORT_CLIENT_SECRET) && (flags.tokenUrl || flags.discoveryUrl)) return 'm2m';
  if (flags.clientId && flags.discoveryUrl) return 'oauth';
  return 'none';
}

/** Reads a password without echoing it. */
async function promptHidden(question: string): Promise<string> {
  // On stderr, so stdout stays the command's own output; nothing is echoed as it is typed. Loaded only when asked.
  const { default: password } = await import('@inquirer/password');
  return password({ message: question.replace(/:\s*$/, '') }, { output: process.stderr });
}

/** The library's auth options from the flags, env and (for a password on a terminal) a prompt. */
export async function authFromFlags(flags: AuthFlags): Promise<AuthOptions> {
  let token = flags.token ?? (process.env.TOOLPORT_TOKEN || undefined);
  if (flags.tokenFile)
    token = (
      await readFile(flags.tokenFile, 'utf8').catch(() => {
        throw new UsageError(`--token-file ${flags.tokenFile} cannot be read`);
      })
    ).trim();
  const mode = inferMode(flags, token);
  let password = flags.password ?? (process.env.TOOLPORT_PASSWORD || undefined);
  if (mode === 'password' && !password && process.stdin.isTTY) password = await promptHidden(`Password for ${flags.username ?? 'user'}: `);
  const clientSecret = flags.clientSecret ?? (process.env.TOOLPORT_CLIENT_SECRET || undefined);
  const scope = flags.scope?.join(' ');
  return {
    mode,
    ...(token ? { token } : {}),
    ...(flags.clientId ? { clientId: flags.clientId } : {}),
    ...(clientSecret ? { clientSecret } : {}),
    ...(scope ? { scope } : {}),
    ...(flags.discoveryUrl ? { discoveryUrl: flags.discoveryUrl } : {}),
    ...(flags.tokenUrl ? { tokenUrl: flags.tokenUrl } : {}),
    ...(flags.resource ? { resource: flags.resource } : {}),
    ...(flags.region ? { region: flags.region } : {}),
    ...(flags.username ? { username: flags.username } : {}),
    ...(password ? { password } : {}),
    ...(flags.cognitoEndpoint ? { cognitoEndpoint: flags.cognitoEndpoint } : {}),
    ...(flags.redirectUri ? { redirectUri: flags.redirectUri } : {}),
    ...(flags.clientMetadataUrl ? { clientMetadataUrl: flags.clientMetadataUrl } : {}),
    openBrowser: flags.browser !== false,
  };
}

const isProtocolChoice = (value: string): value is ProtocolChoice => (PROTOCOL_CHOICES as readonly string[]).includes(value);

/** Everything `connect` needs from a verb's target and flags; progress notifications go to stderr. */
export async function connectOptionsFrom(target: string, flags: AuthFlags): Promise<ConnectOptions> {
  let timeoutMs: number | undefined;
  if (flags.timeout) {
    // The config part (its schema, zod and the YAML parser) loads only when a timeout is given.
    const { parseDuration } = await import('../config/index.js');
    try {
      timeoutMs = parseDuration(flags.timeout);
    } catch (error) {
      throw new UsageError(`--timeout: ${(error as Error).message}`);
    }
  }
  const protocol = flags.protocol;
  if (protocol !== undefined && !isProtocolChoice(protocol))
    throw new UsageError(`--protocol must be one of ${PROTOCOL_CHOICES.join(', ')}, got "${protocol}"`);
  return {
    target,
    ...(protocol ? { protocol } : {}),
    ...(flags.server ? { server: flags.server } : {}),
    ...(flags.qualifier ? { qualifier: flags.qualifier } : {}),
    auth: await authFromFlags(flags),
    ...(timeoutMs !== undefined ? { timeoutMs } : {}),
    onProgress: (progress) => {
      const of = progress.total !== undefined ? `/${progress.total}` : '';
      process.stderr.write(`progress ${progress.progress}${of}${progress.message ? ` ${progress.message}` : ''}\n`);
    },
  };
}

export interface TargetFlags extends AuthFlags {
  json?: boolean;
}

/** The target, auth and output flags of every verb that talks to an MCP endpoint. */
export function targetOptions(command: Command): Command {
  return authFlags(command).option('--json', 'print one JSON document');
}

/** Connects as the flags say (offering the client features given), runs `use`, and always closes the session. */
export async function withConnection<T>(
  target: string,
  flags: TargetFlags,
  use: (connection: Connection) => Promise<T>,
  features: ClientHandlers = {},
): Promise<T> {
  const connection = await connect({ ...(await connectOptionsFrom(target, flags)), ...features });
  try {
    return await use(connection);
  } catch (error) {
    throw error instanceof UsageError ? error : connection.explain(error);
  } finally {
    await connection.close();
  }
}
