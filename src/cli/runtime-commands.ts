import { dirname, resolve } from 'node:path';
import type { Command } from 'commander';
import { apiTarget, callApi } from './api-client.js';
import { envName, envPair, portOrAuto, readSpecFile, wholeNumber } from './options.js';
import { printJson, printTable } from './output.js';

interface RuntimeView {
  name: string;
  arn: string;
  latestVersion: number;
  endpoints: Record<string, number>;
  spec: { command?: string[]; module?: string; transport: string; description?: string; env: Record<string, string>; sessions: Record<string, unknown> };
  updatedAt: string;
  /** `runtime get` only: what enforces the limits, and the warning for an opt-out of the sandbox. */
  isolation?: { limits: string; warning?: string };
}

/** A live session, or a stored one (no worker, an expiry), as `GET /api/runtimes/{name}/sessions` lists it. */
interface SessionView {
  id: string;
  state: 'live' | 'stored';
  storageBytes?: number;
  [column: string]: unknown;
}

/** A byte count as people read it: 0 B, 12.0 KiB, 3.4 MiB. */
function sizeText(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(1)} ${units[unit]}`;
}

/** Flags every control-plane verb takes. */
export interface ConnectionFlags {
  server?: string;
  token?: string;
  dataDir?: string;
  json?: boolean;
}

interface SpecFlags extends ConnectionFlags {
  file?: string;
  command?: string;
  module?: string;
  cwd?: string;
  transport?: string;
  port?: number | 'auto';
  path?: string;
  env?: Record<string, string>;
  unsetEnv?: string[];
  warmPool?: number;
  warmPoolMin?: number;
  maxSessions?: number;
  idleTimeout?: string;
}

/** Adds the control-plane connection flags (--server, --token, --data-dir, --json) to a verb. */
export function connectionOptions(command: Command): Command {
  return command
    .option('--server <url>', 'control plane URL (env TOOLPORT_SERVER)', undefined)
    .option('--token <token>', 'admin token (env TOOLPORT_ADMIN_TOKEN; default DATA_DIR/admin-token)')
    .option('--data-dir <dir>', 'where to find admin-token', undefined)
    .option('--json', 'print one JSON document');
}

/** The path keys given (command, module, cwd) made absolute against `baseDir`; none given changes nothing. */
async function absolutePaths(paths: { command?: string[]; module?: string; cwd?: string }, baseDir: string): Promise<Record<string, unknown>> {
  if (!Object.keys(paths).length) return {};
  const { resolveRuntimePaths } = await import('../config/index.js');
  return { ...resolveRuntimePaths(paths, baseDir) };
}

/** A spec file's keys, its paths made absolute against the file's folder (the rule of toolport.yaml). */
async function specFile(file: string): Promise<Record<string, unknown>> {
  const spec = await readSpecFile(file);
  // Keys of the wrong type are left as they are, for the server to name.
  const { command, module, cwd } = spec;
  const paths = {
    ...(Array.isArray(command) && command.every((arg) => typeof arg === 'string') ? { command: command as string[] } : {}),
    ...(typeof module === 'string' ? { module } : {}),
    ...(typeof cwd === 'string' ? { cwd } : {}),
  };
  return { ...spec, ...(await absolutePaths(paths, dirname(resolve(file)))) };
}

/**
 * Builds a runtime spec from `--file` plus individual flags (flags win). Paths in flags resolve against the
 * caller's working directory and are sent absolute; a command runs there, as it would in the caller's shell.
 */
async function specFromFlags(flags: SpecFlags): Promise<Record<string, unknown>> {
  const spec: Record<string, unknown> = flags.file ? await specFile(flags.file) : {};
  const paths = {
    ...(flags.command ? { command: flags.command.split(/\s+/).filter(Boolean) } : {}),
    ...(flags.module ? { module: flags.module } : {}),
    ...(flags.cwd ? { cwd: flags.cwd } : {}),
  };
  Object.assign(spec, await absolutePaths(paths, process.cwd()));
  if (flags.transport) spec.transport = flags.transport;
  if (flags.port !== undefined) spec.port = flags.port;
  if (flags.path) spec.path = flags.path;
  if (flags.env) spec.env = { ...(spec.env as object | undefined), ...flags.env };
  const sessions: Record<string, unknown> = { ...(spec.sessions as object | undefined) };
  if (flags.warmPool !== undefined) sessions.warmPool = flags.warmPool;
  if (flags.warmPoolMin !== undefined) sessions.warmPoolMin = flags.warmPoolMin;
  if (flags.maxSessions !== undefined) sessions.maxSessions = flags.maxSessions;
  if (flags.idleTimeout) sessions.idleTimeout = flags.idleTimeout;
  if (Object.keys(sessions).length) spec.sessions = sessions;
  return spec;
}

function specOptions(command: Command): Command {
  return command
    .option('-f, --file <spec>', 'runtime spec as YAML or JSON (same keys as a runtimes entry in toolport.yaml)')
    .option('--command <cmdline>', 'program and arguments, run in --cwd (default: the current directory), e.g. "node server.js"')
    .option('--module <file>', 'a module of defineTool tools (sent as an absolute path)')
    .option('--cwd <dir>', 'working directory of the workers (default: the current directory)')
    .option('--transport <stdio|http>', 'how the program speaks MCP')
    .option('--port <n|auto>', 'HTTP port of the program ({port} and $PORT carry it)', portOrAuto)
    .option('--path <path>', 'HTTP path of the program (default /mcp)')
    .option('--env <KEY=VALUE>', 'set a worker variable; VALUE may be env:NAME (repeat). update merges into the current env', envPair)
    .option('--warm-pool <n>', 'most pre-started workers, reached as new sessions arrive faster (0-64)', wholeNumber(0, 64))
    .option('--warm-pool-min <n>', 'pre-started workers kept while no sessions arrive (0-64)', wholeNumber(0, 64))
    .option('--max-sessions <n>', 'concurrent sessions before 429 (1-10000)', wholeNumber(1, 10_000))
    .option('--idle-timeout <duration>', 'end idle sessions after, e.g. 15m');
}

function show(record: RuntimeView, json: boolean | undefined): void {
  if (json) return printJson(record);
  const endpoints = Object.entries(record.endpoints)
    .map(([name, version]) => `${name}=v${version}`)
    .join(' ');
  printTable([{ name: record.name, version: record.latestVersion, endpoints, arn: record.arn }], ['name', 'version', 'endpoints', 'arn']);
}

/** `toolport runtime create|list|get|update|delete|versions|endpoint` over the control-plane API. */
export function registerRuntimeCommands(program: Command): void {
  const runtime = program.command('runtime').description('create, list, change and delete hosted MCP servers');
  const path = (name: string): string => `/api/runtimes/${encodeURIComponent(name)}`;

  specOptions(connectionOptions(runtime.command('create <name>').description('host a new MCP server (version 1)'))).action(
    async (name: string, flags: SpecFlags) => {
      show((await callApi(await apiTarget(flags), 'POST', '/api/runtimes', { name, ...(await specFromFlags(flags)) })) as RuntimeView, flags.json);
    },
  );
  specOptions(connectionOptions(runtime.command('update <name>').description('make a new immutable version; DEFAULT follows it')))
    .option('--unset-env <NAME>', 'remove a worker variable (repeat)', envName)
    .action(async (name: string, flags: SpecFlags) => {
      const target = await apiTarget(flags);
      const current = (await callApi(target, 'GET', path(name))) as RuntimeView;
      const changes = await specFromFlags(flags);
      // env and sessions merge key by key, so `--env A=1` or `--warm-pool 0` leaves the rest as it was.
      const env: Record<string, unknown> = { ...current.spec.env, ...(changes.env as object | undefined) };
      for (const key of flags.unsetEnv ?? []) delete env[key];
      const sessions = { ...current.spec.sessions, ...(changes.sessions as object | undefined) };
      const spec = { ...current.spec, ...changes, env, sessions };
      show((await callApi(target, 'PUT', path(name), spec)) as RuntimeView, flags.json);
    });
  connectionOptions(runtime.command('list').description('list runtimes')).action(async (flags: ConnectionFlags) => {
    const { runtimes } = (await callApi(await apiTarget(flags), 'GET', '/api/runtimes')) as { runtimes: RuntimeView[] };
    if (flags.json) return printJson(runtimes);
    printTable(
      runtimes.map((r) => ({
        name: r.name,
        version: r.latestVersion,
        transport: r.spec.module ? 'module' : r.spec.transport,
        endpoints: Object.keys(r.endpoints).join(','),
        updated: r.updatedAt,
      })),
      ['name', 'version', 'transport', 'endpoints', 'updated'],
    );
  });
  connectionOptions(runtime.command('get <name>').description('show one runtime')).action(async (name: string, flags: ConnectionFlags) => {
    const record = (await callApi(await apiTarget(flags), 'GET', path(name))) as RuntimeView;
    if (record.isolation?.warning) process.stderr.write(`toolport: warning: ${record.isolation.warning}\n`);
    if (flags.json) return printJson(record);
    show(record, false);
    if (record.isolation) process.stdout.write(`limits enforced by: ${record.isolation.limits}\n`);
    process.stdout.write(`${JSON.stringify(record.spec, null, 2)}\n`);
  });
  connectionOptions(runtime.command('versions <name>').description('list immutable versions')).action(async (name: string, flags: ConnectionFlags) => {
    const { versions } = (await callApi(await apiTarget(flags), 'GET', `${path(name)}/versions`)) as { versions: { version: number; createdAt: string }[] };
    if (flags.json) return printJson(versions);
    printTable(versions, ['version', 'createdAt']);
  });
  connectionOptions(
    runtime.command('sessions <name>').description('list live sessions (worker pids) and stored ones (sessions.storage), with their storage size'),
  )
    .option('--stop <id>', "end the session if live and delete its stored HOME (AgentCore's StopRuntimeSession)")
    .action(async (name: string, flags: ConnectionFlags & { stop?: string }) => {
      const target = await apiTarget(flags);
      if (flags.stop !== undefined) {
        await callApi(target, 'DELETE', `${path(name)}/sessions/${encodeURIComponent(flags.stop)}`);
        if (flags.json) return printJson({ stopped: flags.stop });
        return void process.stdout.write(`stopped ${flags.stop}\n`);
      }
      const { sessions } = (await callApi(target, 'GET', `${path(name)}/sessions`)) as { sessions: SessionView[] };
      if (flags.json) return printJson(sessions);
      printTable(
        sessions.map((session) => ({ ...session, storage: session.storageBytes === undefined ? '-' : sizeText(session.storageBytes) })),
        ['id', 'state', 'version', 'pid', 'storage', 'inFlight', 'lastActivity', 'expiresAt'],
      );
    });
  connectionOptions(runtime.command('delete <name>').description('delete a runtime and end its sessions')).action(
    async (name: string, flags: ConnectionFlags) => {
      await callApi(await apiTarget(flags), 'DELETE', path(name));
      if (flags.json) return printJson({ deleted: name });
      process.stdout.write(`deleted ${name}\n`);
    },
  );
  connectionOptions(runtime.command('endpoint <name> <endpoint> <version>').description('pin a named endpoint (e.g. prod) to a version')).action(
    async (name: string, endpoint: string, version: string, flags: ConnectionFlags) => {
      show(
        (await callApi(await apiTarget(flags), 'PUT', `${path(name)}/endpoints/${encodeURIComponent(endpoint)}`, {
          version: wholeNumber(1)(version),
        })) as RuntimeView,
        flags.json,
      );
    },
  );
}
