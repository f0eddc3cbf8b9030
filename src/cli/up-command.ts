// `toolport up`: starts the platform and prints its endpoints. Loaded only for this verb (cli/main.ts), since the
// server pulls in the store drivers, Identity and the MCP transports.
import { InvalidArgumentError, type Command } from 'commander';
import { ConfigError } from '../config/index.js';
import { isolationWarnings, openEndpoints, runtimeEndpoints, startPlatform } from '../server/index.js';
import { isPostgresUrl } from '../store/index.js';
import { wholeNumber } from './options.js';

/** `--store`: a postgres:// URL or a SQLite file path; another URL scheme is a usage error, not a file named after it. */
export function storeLocation(value: string): string {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(value) && !isPostgresUrl(value)) {
    throw new InvalidArgumentError(`only postgres:// URLs and SQLite file paths are accepted, got "${value.split('://')[0]}://..."`);
  }
  return value;
}

/** Adds `up`. */
export function registerUpCommand(program: Command): void {
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
}
