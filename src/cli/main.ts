import { Command, CommanderError } from 'commander';
import { ConfigError, configJsonSchema } from '../config/index.js';
import { ApiError } from './api-client.js';
import { printJson } from './output.js';
import { AuthError, ConnectionError } from '../client/index.js';
import { ModelError } from '../agent/model.js';
import { registerAgentCommand } from './agent-command.js';
import { registerAuthCommands } from './auth-commands.js';
import { registerBenchCommand } from './bench-command.js';
import { registerConfigCommand } from './config-command.js';
import { registerGatewayCommands } from './gateway-commands.js';
import { registerIdentityCommands } from './identity-commands.js';
import { UsageError, registerMcpCommands } from './mcp-commands.js';
import { registerRuntimeCommands } from './runtime-commands.js';
import { registerVaultCommands } from './vault-commands.js';

const program = new Command('toolport')
  .description('Self-hosted platform for remote MCP servers')
  .version('0.1.0')
  .showHelpAfterError();

program
  .command('up')
  .description('start the platform (store, control plane, runtimes) on 127.0.0.1')
  .option('-c, --config <file>', 'toolport.yaml to apply at start')
  .option('-p, --port <n>', 'port to listen on (default from config, else 8080)')
  .option('--host <host>', 'address to bind (default 127.0.0.1); any other address needs --public-url and server.allowedHosts')
  .option('--public-url <url>', 'URL clients reach Toolport at (e.g. its proxy); the issuer and advertised URLs use it')
  .option('-d, --data-dir <dir>', 'where the SQLite file and admin token live', '.toolport')
  .option('--store <url>', 'postgres://... to use PostgreSQL instead of SQLite')
  .action(async (flags: { config?: string; port?: string; host?: string; publicUrl?: string; dataDir: string; store?: string }) => {
    // Loaded on demand: the server pulls in the store drivers and MCP transports, which other verbs never need.
    const { openEndpoints, runtimeEndpoints, startPlatform } = await import('../server/index.js');
    const platform = await startPlatform({
      dataDir: flags.dataDir,
      ...(flags.config ? { config: flags.config } : {}),
      ...(flags.port ? { port: Number(flags.port) } : {}),
      ...(flags.host ? { host: flags.host } : {}),
      ...(flags.publicUrl ? { publicUrl: flags.publicUrl } : {}),
      ...(flags.store ? { store: flags.store } : {}),
    });
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
    lines.push(`  identity            ${platform.identity.issuer}   (OAuth 2.1 / OpenID Connect issuer)`, `    discovery          ${platform.identity.issuer}/.well-known/openid-configuration`);
    const m2mToken = platform.identity.m2mTokenCommand();
    if (m2mToken) lines.push(`    M2M token          ${m2mToken}`);
    lines.push(`  admin token    ${platform.adminToken}`, `Try: npx toolport runtime list --server ${platform.url}`);
    process.stdout.write(`${lines.join('\n')}\n`);
    for (const open of await openEndpoints(platform)) process.stderr.write(`toolport: warning: ${open}\n`);
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
  if (error instanceof CommanderError) process.exit(error.exitCode);
  if (error instanceof ConfigError || error instanceof ApiError || error instanceof ConnectionError || error instanceof AuthError || error instanceof UsageError || error instanceof ModelError) {
    process.stderr.write(`toolport: ${error.message}\n`);
    process.exit(1);
  }
  process.stderr.write(`toolport: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
}
