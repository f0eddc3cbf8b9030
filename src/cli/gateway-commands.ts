import type { Command } from 'commander';
import { apiTarget, callApi } from './api-client.js';
import { readSpecFile } from './options.js';
import { printJson, printTable } from './output.js';
import { connectionOptions, type ConnectionFlags } from './runtime-commands.js';

interface TargetStatusView {
  name: string;
  type: string;
  tools: number;
  syncedAt?: string;
  stale: boolean;
  lastError?: string;
  problems: string[];
  circuit: string;
}

interface GatewayView {
  name: string;
  endpoint: string;
  spec: { auth: unknown; search: unknown; description?: string };
  targets: TargetStatusView[];
  updatedAt: string;
}

interface GatewayFlags extends ConnectionFlags {
  file?: string;
  auth?: string;
  search?: boolean;
  description?: string;
}

interface GatewayTargetFlags extends ConnectionFlags {
  file?: string;
  type?: string;
  url?: string;
  runtime?: string;
  command?: string;
  module?: string;
  source?: string;
  baseUrl?: string;
  timeout?: string;
  syncInterval?: string;
  allowLinkLocal?: boolean;
}

/** A spec from `--file` (YAML or JSON), or an empty one. */
async function specFile(file: string | undefined): Promise<Record<string, unknown>> {
  return file ? readSpecFile(file) : {};
}

function printTargets(targets: TargetStatusView[]): void {
  printTable(
    targets.map((t) => ({
      name: t.name,
      type: t.type,
      tools: t.tools,
      synced: t.syncedAt ?? 'never',
      state: t.stale ? 'stale' : 'fresh',
      circuit: t.circuit,
      problems: t.problems.length,
      error: t.lastError ?? '',
    })),
    ['name', 'type', 'tools', 'synced', 'state', 'circuit', 'problems', 'error'],
  );
  for (const t of targets) for (const problem of t.problems) process.stdout.write(`  ${t.name}: ${problem}\n`);
}

function showGateway(view: GatewayView, server: string): void {
  process.stdout.write(`gateway ${view.name}  ${server}${view.endpoint}\n`);
  printTargets(view.targets);
}

/** `toolport gateway create|list|get|delete|calls` and `toolport target add|list|remove|sync`. */
export function registerGatewayCommands(program: Command): void {
  const gateway = program.command('gateway').description('create, list and delete gateways; read their audit log');
  const path = (name: string): string => `/api/gateways/${encodeURIComponent(name)}`;

  connectionOptions(gateway.command('create <name>').description('create a gateway (targets may be in --file, or added with: toolport target add)'))
    .option('-f, --file <spec>', 'gateway spec as YAML or JSON (same keys as a gateways entry in toolport.yaml)')
    .option('--auth <none>', 'inbound auth; jwt and sigv4 need --file')
    .option('--search', 'offer the x_amz_bedrock_agentcore_search tool')
    .option('--description <text>', 'shown in listings')
    .action(async (name: string, flags: GatewayFlags) => {
      const spec = await specFile(flags.file);
      if (flags.auth) spec.auth = flags.auth;
      if (flags.search) spec.search = true;
      if (flags.description) spec.description = flags.description;
      const target = await apiTarget(flags);
      const view = (await callApi(target, 'POST', '/api/gateways', { name, ...spec })) as GatewayView;
      if (flags.json) return printJson(view);
      showGateway(view, target.server);
    });
  connectionOptions(gateway.command('list').description('list gateways')).action(async (flags: ConnectionFlags) => {
    const { gateways } = (await callApi(await apiTarget(flags), 'GET', '/api/gateways')) as { gateways: GatewayView[] };
    if (flags.json) return printJson(gateways);
    printTable(
      gateways.map((g) => ({
        name: g.name,
        endpoint: g.endpoint,
        targets: g.targets.length,
        tools: g.targets.reduce((n, t) => n + t.tools, 0),
        updated: g.updatedAt,
      })),
      ['name', 'endpoint', 'targets', 'tools', 'updated'],
    );
  });
  connectionOptions(gateway.command('get <name>').description('show a gateway and its targets')).action(async (name: string, flags: ConnectionFlags) => {
    const target = await apiTarget(flags);
    const view = (await callApi(target, 'GET', path(name))) as GatewayView;
    if (flags.json) return printJson(view);
    showGateway(view, target.server);
    process.stdout.write(`${JSON.stringify(view.spec, null, 2)}\n`);
  });
  connectionOptions(gateway.command('delete <name>').description('delete a gateway, its targets and catalogs (the audit log stays)')).action(
    async (name: string, flags: ConnectionFlags) => {
      await callApi(await apiTarget(flags), 'DELETE', path(name));
      if (flags.json) return printJson({ deleted: name });
      process.stdout.write(`deleted ${name}\n`);
    },
  );
  connectionOptions(gateway.command('calls <name>').description('the audit log: recent tool calls, newest first'))
    .option('-n, --limit <n>', 'how many calls', '50')
    .action(async (name: string, flags: ConnectionFlags & { limit: string }) => {
      const { calls } = (await callApi(await apiTarget(flags), 'GET', `${path(name)}/calls?limit=${encodeURIComponent(flags.limit)}`)) as {
        calls: Record<string, unknown>[];
      };
      if (flags.json) return printJson(calls);
      printTable(
        calls.map((c) => ({ ...c, caller: [c.subject, c.client].filter(Boolean).join(' / ') || '-', ms: c.latencyMs })),
        ['at', 'tool', 'target', 'status', 'ms', 'caller', 'requestId'],
      );
    });

  const target = program.command('target').description('add, list, remove and sync the targets of a gateway');
  connectionOptions(target.command('add <gateway> <name>').description('add (or replace) a target and sync it'))
    .option('-f, --file <spec>', 'target spec as YAML or JSON (same keys as a targets entry in toolport.yaml)')
    .option('--type <mcp|openapi|function>', 'target type (default mcp, or from --file)')
    .option('--url <url>', 'mcp: Streamable HTTP endpoint of a remote MCP server')
    .option('--runtime <name>', 'mcp: a Toolport runtime')
    .option('--command <cmdline>', 'mcp: a stdio MCP server, e.g. "node server.js"')
    .option('--module <file>', 'function: a module of defineTool tools')
    .option('--source <file|url>', 'openapi: the OpenAPI 3.0/3.1 document')
    .option('--base-url <url>', 'openapi: where the API is served')
    .option('--timeout <duration>', 'per-call timeout, e.g. 30s')
    .option('--sync-interval <duration>', 're-read the catalog this often, e.g. 10m (0 = only on demand)')
    .option('--allow-link-local', 'let the target reach link-local and cloud metadata addresses (169.254.0.0/16, fe80::/10, ...), refused by default')
    .action(async (gatewayName: string, name: string, flags: GatewayTargetFlags) => {
      const spec: Record<string, unknown> = { ...(await specFile(flags.file)), name };
      const given: [keyof GatewayTargetFlags, string][] = [
        ['url', 'url'],
        ['runtime', 'runtime'],
        ['module', 'module'],
        ['source', 'source'],
        ['baseUrl', 'baseUrl'],
        ['timeout', 'timeout'],
        ['syncInterval', 'syncInterval'],
      ];
      for (const [flag, key] of given) if (flags[flag] !== undefined) spec[key] = flags[flag];
      if (flags.allowLinkLocal) spec.allowLinkLocal = true;
      if (flags.command) spec.command = flags.command.split(/\s+/).filter(Boolean);
      spec.type = flags.type ?? spec.type ?? (flags.module ? 'function' : flags.source ? 'openapi' : 'mcp');
      const status = (await callApi(await apiTarget(flags), 'PUT', `${path(gatewayName)}/targets/${encodeURIComponent(name)}`, spec)) as TargetStatusView;
      if (flags.json) return printJson(status);
      printTargets([status]);
    });
  connectionOptions(target.command('list <gateway>').description('list targets with sync state and circuit')).action(
    async (gatewayName: string, flags: ConnectionFlags) => {
      const { targets } = (await callApi(await apiTarget(flags), 'GET', `${path(gatewayName)}/targets`)) as { targets: TargetStatusView[] };
      if (flags.json) return printJson(targets);
      printTargets(targets);
    },
  );
  connectionOptions(target.command('remove <gateway> <name>').description('remove a target; its tools leave the gateway')).action(
    async (gatewayName: string, name: string, flags: ConnectionFlags) => {
      await callApi(await apiTarget(flags), 'DELETE', `${path(gatewayName)}/targets/${encodeURIComponent(name)}`);
      if (flags.json) return printJson({ removed: name, gateway: gatewayName });
      process.stdout.write(`removed ${name} from ${gatewayName}\n`);
    },
  );
  connectionOptions(target.command('sync <gateway> [name]').description('re-read the catalog of one target, or of all')).action(
    async (gatewayName: string, name: string | undefined, flags: ConnectionFlags) => {
      const url = name ? `${path(gatewayName)}/targets/${encodeURIComponent(name)}/sync` : `${path(gatewayName)}/sync`;
      const { targets } = (await callApi(await apiTarget(flags), 'POST', url)) as { targets: TargetStatusView[] };
      if (flags.json) return printJson(targets);
      printTargets(targets);
    },
  );
}
