import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { ConfigError, configJsonSchema } from '../config/index.js';
import { ApiError } from './api-client.js';
import { printJson } from './output.js';
import { storeLocation, wholeNumber } from './options.js';
import { ClientAuthError, ConnectionError } from '../client/index.js';
import { ModelError } from '../agent/model.js';
import { registerAgentCommand } from './agent-command.js';
import { registerAuthCommands } from './auth-commands.js';
import { registerBenchCommand } from './bench-command.js';
import { registerConfigCommand } from './config-command.js';
import { registerGatewayCommands } from './gateway-commands.js';
import { registerIdentityCommands } from './identity-commands.js';
import { UsageError } from './common.js';
import { registerMcpCommands } from './mcp-commands.js';
import { registerRuntimeCommands } from './runtime-commands.js';
import { registerVaultCommands } from './vault-commands.js';

const program = new Command('toolport').description('Self-hosted platform for remote MCP servers').version('0.1.0').showHelpAfterError();

program
  .command('up')
  .description('start the platform (store, control plane, runtimes) on 127.0.0.1')
  .option('-c, --config <file>', 'toolport.yaml to apply at start')
  .option('-p, --port <n>', 'port to listen on (default from config, else 8080; 0 picks a free one)', wholeNumber(0, 65535))
  .option('--host <host>', 'address to bind (default 127.0.0.1); any other address needs --public-url and server.allowedHosts')
  .option('--public-url <url>', 'URL clients reach Toolport at (e.g. its proxy); the issuer and advertised URLs use it')
  .option('-d, --data-dir <dir>', 'where the SQLite file and admin token live', '.toolport')
  .option('--store <url|file>', 'postgres://... to use PostgreSQL, or a SQLite file (default DATA_DIR/toolport.db)', storeLocation)
  .action(async (flags: { config?: string; port?: number; host?: string; publicUrl?: string; dataDir: string; store?: string }) => {
    // Loaded on demand: the server pulls in the store drivers and MCP transports, which other verbs never need.
    const { isolationWarnings, openEndpoints, runtimeEndpoints, startPlatform } = await import('../server/index.js');
    const platform = await startPlatform({
      dataDir: flags.dataDir,
      ...(flags.config ? { config: flags.config } : {}),
      ...(flags.port === undefined ? {} : { port: flags.port }),
      ...(flags.host ? { host: flags.host } : {}),
      ...(flags.publicUrl ? { publicUrl: flags.publicUrl } : {}),
      ...(flags.store ? { store: flags.store } : {}),
    });
    // "is up" only when every runtime can start; a configured one that cannot fails `up`, an API-made one is reported.
    const problems = await platform.control.probeRuntimes();
    for (const { runtime, problem, configured } of problems) {
      process.stderr.write(`toolport: ${configured ? 'error' : 'warning'}: runtime "${runtime}" cannot start: ${problem}\n`);
    }
    if (problems.some((problem) => problem.configured)) {
      await platform.close();
      throw new ConfigError(`not starting: fix the runtimes above in ${flags.config ?? 'the config file'}`);
    }
    const lines = [
      `Toolport is up at ${platform.url} (store: ${platform.store.kind})`,
      `  health         GET  ${platform.url}/ping`,
      `  control plane       ${platform.url}/api   (Authorization: Bearer <admin token>)`,
    ];
    for (const runtime of await platform.control.listRuntimes()) {
      const { byName, byArn } = runtimeEndpoints(platform.publicUrl, runtime.name);
      lines.push(`  runtime ${runtime.name.padEnd(12)} ${byName}`, `    by ARN             ${byArn}`);
    }
    for (const gateway of await platform.gatewayService.listGateways()) {
      lines.push(`  gateway ${gateway.name.padEnd(12)} ${platform.publicUrl}${gateway.endpoint}`);
    }
    lines.push(
      `  identity            ${platform.identity.issuer}   (OAuth 2.1 / OpenID Connect issuer)`,
      `    discovery          ${platform.identity.issuer}/.well-known/openid-configuration`,
    );
    const m2mToken = platform.identity.m2mTokenCommand();
    if (m2mToken) lines.push(`    M2M token          ${m2mToken}`);
    lines.push(`  admin token    ${platform.adminToken}`, `Try: npx toolport runtime list --server ${platform.url}`);
    process.stdout.write(`${lines.join('\n')}\n`);
    for (const open of await openEndpoints(platform)) process.stderr.write(`toolport: warning: ${open}\n`);
    for (const warning of await isolationWarnings(platform)) process.stderr.write(`toolport: warning: ${warning}\n`);
    const stop = (): void => {
      void platform.close().then(() => process.exit(0));
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });

program
  .command('schema')
  .description('print the JSON Schema of toolport.yaml (for editors)')
  .action(() => printJson(configJsonSchema()));

registerRuntimeCommands(program);
registerGatewayCommands(program);
registerIdentityCommands(program);
registerMcpCommands(program);
registerAuthCommands(program);
registerBenchCommand(program);
registerConfigCommand(program);
registerAgentCommand(program);
// Last: it adds credential and access-key verbs to the `identity` group if another part already created it.
registerVaultCommands(program);

program.exitOverride();
try {
  await program.parseAsync(process.argv);
} catch (error) {
  // Thrown by an option parser inside an action (commander prints those it meets while parsing itself).
  if (error instanceof InvalidArgumentError) {
    process.stderr.write(`toolport: ${error.message}\n`);
    process.exit(1);
  }
  if (error instanceof CommanderError) process.exit(error.exitCode);
  if (
    error instanceof ConfigError ||
    error instanceof ApiError ||
    error instanceof ConnectionError ||
    error instanceof ClientAuthError ||
    error instanceof UsageError ||
    error instanceof ModelError
  ) {
    process.stderr.write(`toolport: ${error.message}\n`);
    process.exit(1);
  }
  process.stderr.write(`toolport: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
}
