import type { Command } from 'commander';
import { decodeJwt } from 'jose/jwt/decode';
import { discoverAuthorizationServerMetadata, discoverOAuthProtectedResourceMetadata, extractWWWAuthenticateParams } from '@modelcontextprotocol/client';
import { ConnectionError, createCredentials, resolveTarget, type AuthOptions } from '../client/index.js';
import { parseEndpointPath, runtimeNameOfRef } from '../http/index.js';
import { UsageError, authFlags, authFromFlags, type AuthFlags } from './common.js';
import { printJson } from './output.js';

/** The MCP clients `toolport config` writes setup for. */
export const CONFIG_CLIENTS = ['claude-code', 'cursor', 'vscode'] as const;
export type ConfigClient = (typeof CONFIG_CLIENTS)[number];

/** How the client will authenticate: a fixed header, its own OAuth sign-in, or nothing. */
export type ClientSetup =
  | { kind: 'open' }
  | { kind: 'header'; token: string; expiresAt: string | null }
  | { kind: 'oauth'; issuer: string; clientId?: string; clientSecret?: string; callbackPort?: number };

interface ConfigFlags extends AuthFlags {
  name?: string;
  json?: boolean;
}

/** A server name the clients accept (letters, digits, `-`, `_`), from the target when not given. */
export function serverName(target: string, url: URL): string {
  const named = /^(?:runtime|gateway):(.+)$/.exec(target)?.[1];
  // The endpoint may sit under a reverse proxy's path prefix.
  const at = url.pathname.search(/\/(?:runtimes|gateways)\//);
  const endpoint = at < 0 ? undefined : parseEndpointPath(url.pathname.slice(at));
  const fromPath = endpoint && (endpoint.kind === 'runtime' ? runtimeNameOfRef(endpoint.ref) : endpoint.ref);
  const raw = named ?? fromPath ?? url.hostname.split('.')[0];
  return (raw ?? 'mcp').replace(/[^A-Za-z0-9_-]+/g, '-').replace(/^-+|-+$/g, '') || 'mcp';
}

/**
 * What an unauthenticated request learns (MCP authorization spec: 401 → RFC 9728 protected-resource metadata →
 * RFC 8414 / OIDC authorization-server metadata): whether the endpoint is protected, by whom, and whether that
 * issuer lets clients register themselves (RFC 7591), which is what lets Claude Code sign in with no setup.
 */
async function probe(url: URL): Promise<{ protected: false } | { protected: true; issuer: string; registration: boolean }> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
    // ping creates no session on a server that answers it, so the probe leaves nothing behind.
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' }),
    signal: AbortSignal.timeout(15_000),
  }).catch((error: unknown) => {
    throw new ConnectionError(`cannot reach ${url.origin} (${(error as Error).message}): is the server running? (start it with: toolport up)`, 'unreachable');
  });
  const answer = response.status === 404 ? await response.text().catch(() => '') : '';
  await response.body?.cancel().catch(() => undefined);
  // A config for an endpoint that is not there would only fail later, inside the client: say so now.
  if (response.status === 404) throw new ConnectionError(`no MCP endpoint at ${url.href} (404${answer ? `: ${answer.slice(0, 200)}` : ''}) — check the name`);
  if (response.status !== 401) return { protected: false };
  const { resourceMetadataUrl } = extractWWWAuthenticateParams(response);
  const resource = await discoverOAuthProtectedResourceMetadata(url, { ...(resourceMetadataUrl ? { resourceMetadataUrl } : {}) }).catch((error: unknown) => {
    throw new UsageError(
      `${url.href} asks for a token but publishes no protected-resource metadata (${(error as Error).message}): pass --token or an --auth mode`,
    );
  });
  const issuer = resource.authorization_servers?.[0];
  if (!issuer) throw new UsageError(`${url.href} asks for a token but names no authorization server in its metadata: pass --token or an --auth mode`);
  // An issuer whose metadata the MCP authorization spec cannot use (no authorization endpoint, say) cannot sign anyone in.
  const metadata = await discoverAuthorizationServerMetadata(issuer).catch(() => undefined);
  return { protected: true, issuer, registration: Boolean(metadata?.registration_endpoint) };
}

function expiryOf(token: string): string | null {
  try {
    const exp = decodeJwt(token).exp;
    return exp === undefined ? null : new Date(exp * 1000).toISOString();
  } catch {
    return null;
  }
}

/** Decides the setup from the auth flags: a token mode puts its token in a header; `mcp` or nothing lets the client sign in itself. */
export async function clientSetup(url: URL, auth: AuthOptions): Promise<ClientSetup> {
  if (auth.mode === 'sigv4')
    throw new UsageError(
      'these clients cannot sign requests with AWS SigV4: put the endpoint behind a JWT authorizer, or use a token mode (--auth m2m|password|oauth|bearer)',
    );
  if (auth.mode !== 'none' && auth.mode !== 'mcp') {
    const token = (await createCredentials(auth, url)?.token()) as string;
    return { kind: 'header', token, expiresAt: expiryOf(token) };
  }
  const found = await probe(url);
  if (!found.protected) {
    if (auth.mode === 'mcp') throw new UsageError(`${url.href} answered without asking for a token: no OAuth setup is needed, drop --auth mcp`);
    return { kind: 'open' };
  }
  const callbackPort = auth.redirectUri ? Number(new URL(auth.redirectUri).port) || undefined : undefined;
  if (auth.clientId)
    return {
      kind: 'oauth',
      issuer: found.issuer,
      clientId: auth.clientId,
      ...(auth.clientSecret ? { clientSecret: auth.clientSecret } : {}),
      ...(callbackPort ? { callbackPort } : {}),
    };
  if (found.registration) return { kind: 'oauth', issuer: found.issuer };
  throw new UsageError(
    `${url.href} is protected by ${found.issuer}, which does not let clients register themselves: pass a token (--token, or --auth m2m|password|oauth ...) ` +
      'to put it in a header, or --auth mcp --client-id ID --redirect-uri http://localhost:PORT/callback for a client registered with that redirect',
  );
}

/** The server entry as each client's JSON file spells it. */
function serverEntry(client: ConfigClient, url: URL, setup: ClientSetup): Record<string, unknown> {
  const headers = setup.kind === 'header' ? { headers: { Authorization: `Bearer ${setup.token}` } } : {};
  // Claude Code: https://code.claude.com/docs/en/mcp ("oauth": clientId and callbackPort for pre-registered clients).
  const oauth =
    setup.kind === 'oauth' && setup.clientId
      ? { oauth: { clientId: setup.clientId, ...(setup.callbackPort ? { callbackPort: setup.callbackPort } : {}) } }
      : {};
  if (client === 'cursor') return { url: url.href, ...headers };
  if (client === 'vscode') return { type: 'http', url: url.href, ...headers };
  return { type: 'http', url: url.href, ...headers, ...oauth };
}

/** The document each client reads: `.mcp.json` / `.cursor/mcp.json` under `mcpServers`, `.vscode/mcp.json` under `servers`. */
export function clientConfig(client: ConfigClient, name: string, url: URL, setup: ClientSetup): Record<string, unknown> {
  return client === 'vscode' ? { servers: { [name]: serverEntry(client, url, setup) } } : { mcpServers: { [name]: serverEntry(client, url, setup) } };
}

/** Quotes a shell word only when it needs it (a URL's `?` and `&` do). */
function shellWord(word: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** The exact `claude mcp add` line for the setup. */
export function claudeAddCommand(name: string, url: URL, setup: ClientSetup): string {
  const words = ['claude', 'mcp', 'add', '--transport', 'http'];
  if (setup.kind === 'oauth' && setup.clientId) {
    words.push('--client-id', setup.clientId);
    // Claude Code prompts for the secret (or reads MCP_CLIENT_SECRET), so it never lands in shell history.
    if (setup.clientSecret) words.push('--client-secret');
    if (setup.callbackPort) words.push('--callback-port', String(setup.callbackPort));
  }
  words.push(shellWord(name), shellWord(url.href));
  const header = setup.kind === 'header' ? ` --header "Authorization: Bearer ${setup.token}"` : '';
  return `${words.join(' ')}${header}`;
}

const FILES: Record<ConfigClient, string> = { 'claude-code': '.mcp.json', cursor: '.cursor/mcp.json', vscode: '.vscode/mcp.json' };

/** `toolport config claude-code|cursor|vscode TARGET [auth flags]`: the setup a client needs to reach the target. */
export function registerConfigCommand(program: Command): void {
  authFlags(
    program
      .command('config <client> <target>')
      .description(
        `print the setup for ${CONFIG_CLIENTS.join(', ')}: the claude mcp add line or the JSON that client reads, with the right header or OAuth sign-in`,
      ),
  )
    .option('--name <name>', 'server name in the client (default: from the target)')
    .option('--json', 'print the JSON document the client reads (for claude-code: .mcp.json)')
    .action(async (client: string, target: string, flags: ConfigFlags) => {
      if (!(CONFIG_CLIENTS as readonly string[]).includes(client)) throw new UsageError(`unknown client "${client}": use ${CONFIG_CLIENTS.join(', ')}`);
      const kind = client as ConfigClient;
      const url = resolveTarget(target, { ...(flags.server ? { server: flags.server } : {}), ...(flags.qualifier ? { qualifier: flags.qualifier } : {}) });
      const name = flags.name ?? serverName(target, url);
      if (!/^[A-Za-z0-9_-]+$/.test(name)) throw new UsageError(`--name may hold letters, digits, - and _ only, got "${name}"`);
      const setup = await clientSetup(url, await authFromFlags(flags));
      if (setup.kind === 'header') {
        process.stderr.write(
          `note: the token is fixed in the config${setup.expiresAt ? ` and expires ${setup.expiresAt}` : ''}; for sign-in that renews itself, protect the endpoint with an issuer that allows registration and use --auth mcp\n`,
        );
      }
      if (kind !== 'claude-code' || flags.json) {
        if (!flags.json) process.stderr.write(`add to ${FILES[kind]}:\n`);
        return printJson(clientConfig(kind, name, url, setup));
      }
      process.stdout.write(`${claudeAddCommand(name, url, setup)}\n`);
      if (setup.kind === 'oauth')
        process.stdout.write(
          `# then run /mcp in Claude Code and pick "${name}" → Authenticate: it signs in with ${setup.issuer} in your browser${setup.clientId ? '' : ' (registering itself)'}\n`,
        );
    });
}
