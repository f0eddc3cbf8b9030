// The `toolport` command. Start-up time is the first thing a user feels, so only the invoked verb's module is
// loaded: `--version` loads commander alone, `runtime list` no MCP client, and only `up` the server.
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { EXIT_CODES, EXIT_CODES_HELP, explainFailure } from './exit-codes.js';

type Register = (program: Command) => void;

/** The module that adds each top-level verb. */
const VERBS: Record<string, () => Promise<Register[]>> = {
  up: async () => [(await import('./up-command.js')).registerUpCommand],
  schema: async () => [registerSchemaCommand],
  runtime: async () => [(await import('./runtime-commands.js')).registerRuntimeCommands],
  gateway: async () => [(await import('./gateway-commands.js')).registerGatewayCommands],
  target: async () => [(await import('./gateway-commands.js')).registerGatewayCommands],
  // Vault verbs last: they add credential and access-key to the `identity` group if it already exists.
  identity: async () => [(await import('./identity-commands.js')).registerIdentityCommands, (await import('./vault-commands.js')).registerVaultCommands],
  ...Object.fromEntries(
    ['tools', 'call', 'resources', 'read', 'templates', 'prompts', 'get-prompt', 'test', 'ping'].map((verb) => [
      verb,
      async () => [(await import('./mcp-commands.js')).registerMcpCommands],
    ]),
  ),
  ...Object.fromEntries(['token', 'login', 'logout'].map((verb) => [verb, async () => [(await import('./auth-commands.js')).registerAuthCommands]])),
  bench: async () => [(await import('./bench-command.js')).registerBenchCommand],
  config: async () => [(await import('./config-command.js')).registerConfigCommand],
  agent: async () => [(await import('./agent-command.js')).registerAgentCommand],
};

function registerSchemaCommand(program: Command): void {
  program
    .command('schema')
    .description('print the JSON Schema of toolport.yaml (for editors)')
    .action(async () => {
      const [{ configJsonSchema }, { printJson }] = await Promise.all([import('../config/index.js'), import('./output.js')]);
      printJson(configJsonSchema());
    });
}

/**
 * The verbs to add for these arguments: the one named, or every one (in `help`'s order) for help, an unknown verb
 * (so commander can suggest the nearest) or none.
 */
async function registersFor(args: string[]): Promise<Register[]> {
  const verb = args.find((arg) => !arg.startsWith('-'));
  const load = verb === undefined ? undefined : VERBS[verb];
  if (load) return load();
  if (args.length === 1 && ['-V', '--version'].includes(args[0] as string)) return [];
  const all = await Promise.all([...new Set(Object.values(VERBS))].map((loader) => loader()));
  return [...new Set(all.flat())];
}

const program = new Command('toolport')
  .description('Self-hosted platform for remote MCP servers')
  .version('0.1.0')
  .showHelpAfterError()
  .addHelpText('after', `\n${EXIT_CODES_HELP}`);
// Before the verbs are added: subcommands copy it when created, so their usage errors reach the catch below too.
program.exitOverride();
for (const register of await registersFor(process.argv.slice(2))) register(program);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  // commander has printed its own usage errors and help; it says 0 for help and --version.
  if (error instanceof CommanderError && !(error instanceof InvalidArgumentError)) process.exit(error.exitCode === 0 ? EXIT_CODES.ok : EXIT_CODES.usage);
  const explained = await explainFailure(error);
  const reason = explained?.reason ?? 'error';
  const message = explained?.message ?? (error as Error).stack ?? String(error);
  // With --json a script reads one JSON object on stderr; stdout stays empty or holds only what succeeded.
  if (process.argv.includes('--json')) process.stderr.write(`${JSON.stringify({ error: { reason, exitCode: EXIT_CODES[reason], message } })}\n`);
  else process.stderr.write(`toolport: ${message}\n`);
  process.exit(EXIT_CODES[reason]);
}
