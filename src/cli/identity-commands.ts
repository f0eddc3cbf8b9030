import type { Command } from 'commander';
import { z } from 'zod';
import { apiTarget, ApiError, callApi } from './api-client.js';
import { printJson, printTable } from './output.js';
import { connectionOptions } from './runtime-commands.js';

interface ConnectionFlags {
  server?: string;
  token?: string;
  dataDir?: string;
  json?: boolean;
}

const collect = (value: string, all: string[] = []): string[] => [...all, ...value.split(/[\s,]+/).filter(Boolean)];

/** One `identity <noun> create|list|delete` family over `/api/identity/{collection}`. */
function registerCrud(
  identity: Command,
  noun: string,
  collection: string,
  options: {
    describe: string;
    key: string;
    columns: string[];
    create: (command: Command) => Command;
    body: (id: string, flags: Record<string, unknown>) => Record<string, unknown>;
    after?: (created: Record<string, unknown>) => string;
  },
): void {
  const group = identity.command(noun).description(options.describe);
  const path = `/api/identity/${collection}`;
  options
    .create(connectionOptions(group.command(`create <${options.key}>`).description(`create a ${noun}`)))
    .action(async (id: string, flags: ConnectionFlags & Record<string, unknown>) => {
      const created = (await callApi(await apiTarget(flags), 'POST', path, options.body(id, flags))) as Record<string, unknown>;
      if (flags.json) return printJson(created);
      printTable([created], options.columns);
      if (options.after) process.stdout.write(options.after(created));
    });
  connectionOptions(group.command('list').description(`list ${noun}s`)).action(async (flags: ConnectionFlags) => {
    const listed = (await callApi(await apiTarget(flags), 'GET', path)) as Record<string, Record<string, unknown>[]>;
    const rows = Object.values(listed)[0] ?? [];
    if (flags.json) return printJson(rows);
    printTable(
      rows.map((row) => Object.fromEntries(Object.entries(row).map(([k, v]) => [k, Array.isArray(v) ? v.join(' ') : v]))),
      options.columns,
    );
  });
  connectionOptions(group.command(`delete <${options.key}>`).description(`delete a ${noun}`)).action(async (id: string, flags: ConnectionFlags) => {
    await callApi(await apiTarget(flags), 'DELETE', `${path}/${encodeURIComponent(id)}`);
    if (flags.json) return printJson({ deleted: id });
    process.stdout.write(`deleted ${id}\n`);
  });
}

const tokenResponse = z
  .object({ access_token: z.string(), token_type: z.string(), expires_in: z.number().optional(), scope: z.string().optional() })
  .passthrough();

/** A client_credentials grant at the issuer's token endpoint, found through its discovery document. */
async function clientCredentialsToken(
  server: string,
  flags: { client: string; secret: string; scope?: string[]; resource?: string },
): Promise<z.output<typeof tokenResponse>> {
  const issuer = `${server}/identity`;
  const fetchJson = async (url: string, init?: RequestInit): Promise<{ status: number; body: Record<string, unknown> }> => {
    try {
      const response = await fetch(url, { ...init, signal: AbortSignal.timeout(30_000) });
      return { status: response.status, body: (await response.json()) as Record<string, unknown> };
    } catch (error) {
      throw new ApiError(0, `cannot reach ${url} (${(error as Error).message}); start Toolport with: toolport up, or pass --server`);
    }
  };
  const discovery = await fetchJson(`${issuer}/.well-known/openid-configuration`);
  if (discovery.status !== 200 || typeof discovery.body.token_endpoint !== 'string')
    throw new ApiError(discovery.status, `${issuer} has no OpenID discovery document`);
  const form = new URLSearchParams({ grant_type: 'client_credentials', client_id: flags.client, client_secret: flags.secret });
  if (flags.scope?.length) form.set('scope', flags.scope.join(' '));
  if (flags.resource) form.set('resource', flags.resource);
  const { status, body } = await fetchJson(discovery.body.token_endpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: form,
  });
  if (status !== 200)
    throw new ApiError(status, `the token endpoint refused: ${String(body.error)}${body.error_description ? ` (${String(body.error_description)})` : ''}`);
  return tokenResponse.parse(body);
}

/** `toolport identity user|client|resource-server create|list|delete`, `identity token`, `identity keys list|rotate`. */
export function registerIdentityCommands(program: Command): void {
  const identity = program.command('identity').description("users, clients, resource servers and signing keys of Toolport's authorization server");

  registerCrud(identity, 'user', 'users', {
    describe: 'people who sign in (login page, Cognito USER_PASSWORD_AUTH)',
    key: 'username',
    columns: ['username', 'sub', 'email', 'origin', 'createdAt'],
    create: (c) => c.requiredOption('--password <password>', 'at least 8 characters (stored as a scrypt hash)').option('--email <email>', 'email address'),
    body: (username, flags) => ({ username, password: flags.password, ...(flags.email ? { email: flags.email } : {}) }),
  });
  registerCrud(identity, 'resource-server', 'resource-servers', {
    describe: 'APIs with scopes, requested as {identifier}/{scope}',
    key: 'identifier',
    columns: ['identifier', 'fullScopes', 'origin', 'createdAt'],
    create: (c) => c.option('--scopes <names>', 'scope names, e.g. "read write" (repeatable)', collect).option('--name <name>', 'display name'),
    body: (identifier, flags) => ({ identifier, scopes: flags.scopes ?? [], ...(flags.name ? { name: flags.name } : {}) }),
  });
  registerCrud(identity, 'client', 'clients', {
    describe: 'OAuth clients: M2M, browser/CLI with PKCE, Cognito quick mode',
    key: 'clientId',
    columns: ['clientId', 'grants', 'scopes', 'confidential', 'origin'],
    create: (c) =>
      c
        .requiredOption('--grants <grants>', 'client_credentials, authorization_code, refresh_token, password (repeatable)', collect)
        .option('--scopes <scopes>', 'allowed scopes, e.g. gateway/read (repeatable)', collect)
        .option('--redirect-uri <uri>', 'authorization_code redirect URI (repeatable)', (v: string, all: string[] = []) => [...all, v])
        .option('--name <name>', 'shown on the consent page')
        .option('--public', 'no secret (PKCE clients); client_credentials clients always get one')
        .option('--secret', 'generate a secret even for a non-M2M client'),
    body: (clientId, flags) => ({
      clientId,
      grants: flags.grants,
      scopes: flags.scopes ?? [],
      redirectUris: flags.redirectUri ?? [],
      ...(flags.name ? { name: flags.name } : {}),
      ...(flags.public ? { secret: false } : flags.secret ? { secret: true } : {}),
    }),
    after: (created) => (created.secret ? `client secret (shown once, store it now): ${String(created.secret)}\n` : ''),
  });

  connectionOptions(
    identity
      .command('token')
      .description('get an M2M access token through a real client_credentials grant and print it')
      .requiredOption('--client <id>', 'client id')
      .option('--secret <secret>', 'client secret (env TOOLPORT_CLIENT_SECRET)')
      .option('--scope <scopes>', "scopes, e.g. gateway/read (repeatable; default: all of the client's)", collect)
      .option('--resource <url>', 'RFC 8707 resource: the runtime or gateway URL the token is for'),
  ).action(async (flags: ConnectionFlags & { client: string; secret?: string; scope?: string[]; resource?: string }) => {
    const secret = flags.secret ?? process.env.TOOLPORT_CLIENT_SECRET;
    if (!secret) throw new ApiError(0, 'give the client secret with --secret or TOOLPORT_CLIENT_SECRET');
    const server = (flags.server ?? process.env.TOOLPORT_SERVER ?? 'http://127.0.0.1:8080').replace(/\/$/, '');
    const token = await clientCredentialsToken(server, {
      client: flags.client,
      secret,
      ...(flags.scope ? { scope: flags.scope } : {}),
      ...(flags.resource ? { resource: flags.resource } : {}),
    });
    if (flags.json) return printJson(token);
    process.stdout.write(`${token.access_token}\n`);
  });

  const keys = identity.command('keys').description('signing keys of the issuer');
  connectionOptions(keys.command('list').description('list signing keys (newest signs; retired ones stay published)')).action(
    async (flags: ConnectionFlags) => {
      const { keys: rows } = (await callApi(await apiTarget(flags), 'GET', '/api/identity/keys')) as { keys: Record<string, unknown>[] };
      if (flags.json) return printJson(rows);
      printTable(rows, ['kid', 'state', 'createdAt', 'retiredAt']);
    },
  );
  connectionOptions(keys.command('rotate').description('sign with a new key from now on; tokens of the old key keep verifying')).action(
    async (flags: ConnectionFlags) => {
      const rotated = (await callApi(await apiTarget(flags), 'POST', '/api/identity/keys/rotate')) as { kid: string };
      if (flags.json) return printJson(rotated);
      process.stdout.write(`signing with ${rotated.kid}\n`);
    },
  );
}
