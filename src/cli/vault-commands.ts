import type { Command } from 'commander';
import { apiTarget, callApi } from './api-client.js';
import { readSpecFile } from './options.js';
import { printJson, printTable } from './output.js';
import { connectionOptions, type ConnectionFlags } from './runtime-commands.js';

interface CredentialView {
  name: string;
  type: 'apiKey' | 'oauth2';
  clientId?: string;
  discoveryUrl?: string;
  tokenUrl?: string;
  scopes?: string[];
  runtimes: string[];
  hasSecret: boolean;
  updatedAt: string;
}

interface AccessKeyView {
  accessKeyId: string;
  owner: string;
  description?: string;
  createdAt: string;
  secretAccessKey?: string;
}

interface CredentialFlags extends ConnectionFlags {
  file?: string;
  type?: string;
  apiKey?: string;
  discoveryUrl?: string;
  tokenUrl?: string;
  authorizationUrl?: string;
  clientId?: string;
  clientSecret?: string;
  clientAuth?: string;
  scope?: string[];
  runtime?: string[];
}

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

/** The `identity` group, shared with the authorization server's verbs (whichever part registers first creates it). */
function identityCommand(program: Command): Command {
  return (
    program.commands.find((command) => command.name() === 'identity') ??
    program.command('identity').description('Identity: users, clients, outbound credentials and access keys')
  );
}

/** Builds a credential from `--file` plus flags (flags win); the server validates it. */
async function credentialFromFlags(name: string, flags: CredentialFlags): Promise<Record<string, unknown>> {
  const spec: Record<string, unknown> = flags.file ? await readSpecFile(flags.file) : {};
  const given: Record<string, unknown> = {
    name,
    type: flags.type,
    apiKey: flags.apiKey,
    discoveryUrl: flags.discoveryUrl,
    tokenUrl: flags.tokenUrl,
    authorizationUrl: flags.authorizationUrl,
    clientId: flags.clientId,
    clientSecret: flags.clientSecret,
    clientAuth: flags.clientAuth,
    scopes: flags.scope,
    runtimes: flags.runtime,
  };
  for (const [key, value] of Object.entries(given)) if (value !== undefined) spec[key] = value;
  return spec;
}

/** Where a credential gets its tokens, for the listing. */
const issuerOf = (credential: CredentialView): string => credential.discoveryUrl ?? credential.tokenUrl ?? '';

/** `toolport identity credential ...` (the vault) and `toolport identity access-key ...` (SigV4 keys). */
export function registerVaultCommands(program: Command): void {
  const identity = identityCommand(program);
  const credential = identity.command('credential').description("outbound credentials in Identity's vault (secrets never listed)");

  connectionOptions(
    credential
      .command('create <name>')
      .description('store an API key or an OAuth client; give secrets as env:NAME to read them from the server environment')
      .option('-f, --file <file>', 'YAML/JSON credential (the toolport.yaml credentials: entry form)')
      .option('--type <type>', 'apiKey or oauth2')
      .option('--api-key <value>', 'apiKey: the key (or env:NAME)')
      .option('--discovery-url <url>', "oauth2: the issuer's discovery URL")
      .option('--token-url <url>', 'oauth2: token endpoint, without discovery')
      .option('--authorization-url <url>', 'oauth2: authorization endpoint for the user flow, without discovery')
      .option('--client-id <id>', 'oauth2: client id')
      .option('--client-secret <secret>', 'oauth2: client secret (or env:NAME)')
      .option('--client-auth <method>', 'oauth2: client_secret_basic (default) or client_secret_post')
      .option('--scope <scope>', 'oauth2: default scope (repeat)', collect)
      .option('--runtime <name>', 'a runtime whose tools may use it (repeat)', collect),
  ).action(async (name: string, flags: CredentialFlags) => {
    const created = (await callApi(await apiTarget(flags), 'POST', '/api/credentials/providers', await credentialFromFlags(name, flags))) as CredentialView;
    if (flags.json) return printJson(created);
    process.stdout.write(`Stored ${created.type} credential ${created.name}${created.hasSecret ? ' (secret encrypted at rest)' : ''}\n`);
  });

  connectionOptions(credential.command('list').description('list credentials (never their secrets)')).action(async (flags: ConnectionFlags) => {
    const { providers } = (await callApi(await apiTarget(flags), 'GET', '/api/credentials/providers')) as { providers: CredentialView[] };
    if (flags.json) return printJson(providers);
    printTable(
      providers.map((p) => ({
        ...p,
        issuer: issuerOf(p),
        scopes: p.scopes?.join(' ') ?? '',
        runtimes: p.runtimes.join(' '),
        secret: p.hasSecret ? 'stored' : '-',
      })),
      ['name', 'type', 'clientId', 'issuer', 'scopes', 'runtimes', 'secret'],
    );
  });

  connectionOptions(credential.command('delete <name>').description("delete a credential and its users' stored tokens")).action(
    async (name: string, flags: ConnectionFlags) => {
      await callApi(await apiTarget(flags), 'DELETE', `/api/credentials/providers/${encodeURIComponent(name)}`);
      if (flags.json) return printJson({ deleted: name });
      process.stdout.write(`Deleted credential ${name}\n`);
    },
  );

  connectionOptions(
    credential
      .command('authorize <name>')
      .description('print the URL a user opens to grant an oauth2 credential access for them (user federation)')
      .requiredOption('--user <id>', 'the user id tools will name')
      .option('--scope <scope>', 'scope to ask for (repeat; default the credential scopes)', collect),
  ).action(async (name: string, flags: ConnectionFlags & { user: string; scope?: string[] }) => {
    const body = { userId: flags.user, ...(flags.scope ? { scopes: flags.scope } : {}) };
    const { authorizationUrl } = (await callApi(await apiTarget(flags), 'POST', `/api/credentials/providers/${encodeURIComponent(name)}/authorize`, body)) as {
      authorizationUrl: string;
    };
    if (flags.json) return printJson({ authorizationUrl });
    process.stdout.write(`Open this URL as ${flags.user} within 10 minutes:\n${authorizationUrl}\n`);
  });

  const accessKey = identity.command('access-key').description('AWS SigV4 access keys for runtimes and gateways with auth sigv4');

  connectionOptions(
    accessKey
      .command('create')
      .description('issue an access key; its secret is shown once, here')
      .requiredOption('--owner <name>', 'who signs with it (the subject of their requests)')
      .option('--description <text>', 'what it is for'),
  ).action(async (flags: ConnectionFlags & { owner: string; description?: string }) => {
    const body = { owner: flags.owner, ...(flags.description ? { description: flags.description } : {}) };
    const created = (await callApi(await apiTarget(flags), 'POST', '/api/credentials/access-keys', body)) as Required<AccessKeyView>;
    if (flags.json) return printJson(created);
    process.stdout.write(
      [
        `Access key for ${created.owner} (the secret is shown only now; store it, e.g. in ~/.aws/credentials):`,
        `  aws_access_key_id     = ${created.accessKeyId}`,
        `  aws_secret_access_key = ${created.secretAccessKey}`,
        '',
      ].join('\n'),
    );
  });

  connectionOptions(accessKey.command('list').description('list access keys (never their secrets)')).action(async (flags: ConnectionFlags) => {
    const { accessKeys } = (await callApi(await apiTarget(flags), 'GET', '/api/credentials/access-keys')) as { accessKeys: AccessKeyView[] };
    if (flags.json) return printJson(accessKeys);
    printTable(accessKeys as unknown as Record<string, unknown>[], ['accessKeyId', 'owner', 'description', 'createdAt']);
  });

  connectionOptions(accessKey.command('delete <accessKeyId>').description('revoke an access key at once')).action(
    async (id: string, flags: ConnectionFlags) => {
      await callApi(await apiTarget(flags), 'DELETE', `/api/credentials/access-keys/${encodeURIComponent(id)}`);
      if (flags.json) return printJson({ deleted: id });
      process.stdout.write(`Deleted access key ${id}\n`);
    },
  );
}
