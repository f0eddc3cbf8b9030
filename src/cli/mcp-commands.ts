import { basename, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Command } from 'commander';
import { ELICITATION_POLICIES, missingFeatureFix, type ClientHandlers, type ElicitationPolicy } from '../client/index.js';
import { UsageError, targetOptions, withConnection, type TargetFlags } from './common.js';
import { terminalElicitation } from './elicit-prompt.js';
import { EXIT_CODES } from './exit-codes.js';
import { printJson, printTable } from './output.js';

interface CallFlags extends TargetFlags {
  args?: string;
  arg?: string[];
  elicit?: string;
  root?: string[];
}

const ELICIT_CHOICES = ['prompt', ...ELICITATION_POLICIES];

/**
 * How `call` answers a server's elicitation: as --elicit says; without it, by asking on a terminal, and otherwise
 * not at all — the capability is then not declared, so the server knows nobody is there to answer.
 */
export function elicitationFrom(flag: string | undefined, interactive = Boolean(process.stdin.isTTY && process.stderr.isTTY)): ClientHandlers['elicitation'] {
  if (flag !== undefined && !ELICIT_CHOICES.includes(flag)) throw new UsageError(`--elicit must be one of ${ELICIT_CHOICES.join(', ')}, got "${flag}"`);
  if (flag === 'prompt' && !interactive) throw new UsageError('--elicit prompt needs a terminal; pass --elicit accept-defaults, decline or cancel');
  if (flag === undefined || flag === 'prompt') return interactive ? terminalElicitation(process.stdin, process.stderr) : undefined;
  return flag as ElicitationPolicy;
}

/** `--root` values (directories or URIs) as the roots offered to the server. */
export function rootsFrom(values: string[]): NonNullable<ClientHandlers['roots']> {
  return values.map((value) => {
    const uri = /^[a-z][a-z0-9+.-]*:\/\//i.test(value) ? value : pathToFileURL(resolve(value)).href;
    return { uri, name: basename(new URL(uri).pathname) || uri };
  });
}

/** Types `--arg k=v` values by the tool's input schema (numbers, booleans, JSON for objects and arrays). */
export function typedArguments(pairs: string[], schema: { properties?: Record<string, { type?: unknown }> } | undefined): Record<string, unknown> {
  const args: Record<string, unknown> = {};
  for (const pair of pairs) {
    const at = pair.indexOf('=');
    if (at <= 0) throw new UsageError(`--arg "${pair}" must look like name=value`);
    const [name, raw] = [pair.slice(0, at), pair.slice(at + 1)];
    const type = schema?.properties?.[name]?.type;
    if (type === 'number' || type === 'integer') {
      if (Number.isNaN(Number(raw))) throw new UsageError(`--arg ${name} must be a number, got "${raw}"`);
      args[name] = Number(raw);
    } else if (type === 'boolean') {
      if (raw !== 'true' && raw !== 'false') throw new UsageError(`--arg ${name} must be true or false, got "${raw}"`);
      args[name] = raw === 'true';
    } else if (type === 'object' || type === 'array') {
      try {
        args[name] = JSON.parse(raw);
      } catch {
        throw new UsageError(`--arg ${name} must be JSON (${String(type)}), got "${raw}"`);
      }
    } else {
      args[name] = raw;
    }
  }
  return args;
}

function textOf(result: { content?: { type: string; text?: string }[] }): string {
  return (result.content ?? []).map((block) => (block.type === 'text' ? (block.text ?? '') : `[${block.type}]`)).join('\n');
}

/** `toolport tools|call|resources|read|prompts|ping TARGET ...`: MCP verbs against any endpoint. */
export function registerMcpCommands(program: Command): void {
  targetOptions(program.command('tools <target>').description('list the tools of an MCP endpoint (URL, ARN, runtime:NAME)')).action(
    async (target: string, flags: TargetFlags) => {
      const { tools } = await withConnection(target, flags, ({ client }) => client.listTools());
      if (flags.json) return printJson(tools);
      printTable(
        tools.map((tool) => ({
          name: tool.name,
          arguments: Object.keys(tool.inputSchema.properties ?? {}).join(', '),
          description: (tool.description ?? '').split('\n')[0]?.slice(0, 80),
        })),
        ['name', 'arguments', 'description'],
      );
    },
  );

  targetOptions(program.command('call <target> <tool>').description('call a tool'))
    .option('--args <json>', 'arguments as a JSON object')
    .option('--arg <name=value>', 'one argument, typed by the tool schema (repeat)', (v: string, all: string[] = []) => [...all, v])
    .option('--elicit <answer>', `how to answer the tool's questions: ${ELICIT_CHOICES.join(', ')} (default: prompt on a terminal, else none)`)
    .option('--root <dir|uri>', 'a root the server may ask for (repeat)', (v: string, all: string[] = []) => [...all, v])
    .action(async (target: string, tool: string, flags: CallFlags) => {
      const features: ClientHandlers = { elicitation: elicitationFrom(flags.elicit), ...(flags.root?.length ? { roots: rootsFrom(flags.root) } : {}) };
      // Checked before connecting: a typo is a usage error whether or not the server is up.
      let args: Record<string, unknown> = {};
      try {
        if (flags.args) args = JSON.parse(flags.args) as Record<string, unknown>;
      } catch {
        throw new UsageError(`--args must be a JSON object, got ${flags.args}`);
      }
      const result = await withConnection(
        target,
        flags,
        async ({ client }) => {
          if (flags.arg?.length) {
            const { tools } = await client.listTools();
            const schema = tools.find((t) => t.name === tool)?.inputSchema as Parameters<typeof typedArguments>[1];
            args = { ...args, ...typedArguments(flags.arg, schema) };
          }
          // No client-side cut-off unless --timeout: long tool calls are the server's to bound (its request timeout).
          return client.callTool({ name: tool, arguments: args });
        },
        features,
      );
      const output = textOf(result as Parameters<typeof textOf>[0]);
      // A 2025-11-25 server reports a client feature the call needed as the tool's error: a usage error, as in 2026-07-28.
      const fix = result.isError ? missingFeatureFix(output) : undefined;
      // The exit code is the same with or without --json: the answer is printed either way.
      if (result.isError) process.exitCode = fix ? EXIT_CODES.usage : EXIT_CODES.toolError;
      if (flags.json) return printJson(result);
      process.stdout.write(`${output}\n`);
      if (fix) process.stderr.write(`toolport: ${fix}\n`);
    });

  targetOptions(program.command('resources <target>').description('list resources')).action(async (target: string, flags: TargetFlags) => {
    const { resources } = await withConnection(target, flags, ({ client }) => client.listResources());
    if (flags.json) return printJson(resources);
    printTable(
      resources.map((r) => ({ uri: r.uri, name: r.name, type: r.mimeType ?? '' })),
      ['uri', 'name', 'type'],
    );
  });

  targetOptions(program.command('read <target> <uri>').description('read a resource')).action(async (target: string, uri: string, flags: TargetFlags) => {
    const result = await withConnection(target, flags, ({ client }) => client.readResource({ uri }));
    if (flags.json) return printJson(result);
    for (const item of result.contents)
      process.stdout.write(`${'text' in item ? item.text : `[${item.mimeType ?? 'binary'} ${item.blob.length} base64 chars]`}\n`);
  });

  targetOptions(program.command('templates <target>').description('list resource templates')).action(async (target: string, flags: TargetFlags) => {
    const { resourceTemplates } = await withConnection(target, flags, ({ client }) => client.listResourceTemplates());
    if (flags.json) return printJson(resourceTemplates);
    printTable(
      resourceTemplates.map((t) => ({ uriTemplate: t.uriTemplate, name: t.name, type: t.mimeType ?? '' })),
      ['uriTemplate', 'name', 'type'],
    );
  });

  targetOptions(program.command('get-prompt <target> <name>').description('get a prompt, with --arg name=value (repeat)'))
    .option('--arg <name=value>', 'a prompt argument (repeat)', (v: string, all: string[] = []) => [...all, v])
    .action(async (target: string, name: string, flags: TargetFlags & { arg?: string[] }) => {
      const args = Object.fromEntries(Object.entries(typedArguments(flags.arg ?? [], undefined)).map(([k, v]) => [k, String(v)]));
      const result = await withConnection(target, flags, ({ client }) => client.getPrompt({ name, arguments: args }));
      if (flags.json) return printJson(result);
      for (const message of result.messages) {
        const content = message.content as { type: string; text?: string };
        process.stdout.write(`${message.role}: ${content.type === 'text' ? content.text : `[${content.type}]`}\n`);
      }
    });

  targetOptions(program.command('prompts <target>').description('list prompts')).action(async (target: string, flags: TargetFlags) => {
    const { prompts } = await withConnection(target, flags, ({ client }) => client.listPrompts());
    if (flags.json) return printJson(prompts);
    printTable(
      prompts.map((p) => ({ name: p.name, description: p.description ?? '' })),
      ['name', 'description'],
    );
  });

  targetOptions(program.command('test <target>').description("the seed's connection test: initialize, capabilities, counts, timings")).action(
    async (target: string, flags: TargetFlags) => {
      const started = performance.now();
      const report = await withConnection(target, flags, async ({ client, url }) => {
        const timings: Record<string, number> = { initializeMs: performance.now() - started };
        const capabilities = client.getServerCapabilities() ?? {};
        const count = async <T>(key: string, has: unknown, list: () => Promise<T[]>): Promise<number | null> => {
          if (!has) return null;
          const at = performance.now();
          const items = await list();
          timings[`${key}Ms`] = performance.now() - at;
          return items.length;
        };
        return {
          url: url.href,
          server: client.getServerVersion(),
          protocolVersion: client.getNegotiatedProtocolVersion() ?? null,
          capabilities,
          tools: await count('listTools', capabilities.tools, async () => (await client.listTools()).tools),
          resources: await count('listResources', capabilities.resources, async () => (await client.listResources()).resources),
          prompts: await count('listPrompts', capabilities.prompts, async () => (await client.listPrompts()).prompts),
          timings: Object.fromEntries(Object.entries(timings).map(([k, v]) => [k, Math.round(v * 10) / 10])),
        };
      });
      if (flags.json) return printJson(report);
      const counts = (['tools', 'resources', 'prompts'] as const).map((k) => `${k} ${report[k] ?? 'n/a'}`).join(', ');
      process.stdout.write(`ok: ${report.server?.name ?? 'server'} ${report.server?.version ?? ''} at ${report.url}\n`);
      process.stdout.write(`capabilities: ${Object.keys(report.capabilities).join(', ') || '(none)'}\n${counts}\n`);
      process.stdout.write(
        `timings (ms): ${Object.entries(report.timings)
          .map(([k, v]) => `${k.replace(/Ms$/, '')} ${v}`)
          .join(', ')}\n`,
      );
    },
  );

  targetOptions(
    program.command('ping <target>').description('check an endpoint answers (connect + ping, or server/discover in 2026-07-28), with timings'),
  ).action(async (target: string, flags: TargetFlags) => {
    const started = performance.now();
    const report = await withConnection(target, flags, async ({ client, url }) => {
      const connected = performance.now();
      // 2026-07-28 has no ping; server/discover is its cheapest round trip that every server must answer.
      const check = client.getProtocolEra() === 'modern' ? 'server/discover' : 'ping';
      await (check === 'ping' ? client.ping() : client.discover());
      return {
        url: url.href,
        server: client.getServerVersion()?.name,
        protocolVersion: client.getNegotiatedProtocolVersion() ?? null,
        check,
        connectMs: connected - started,
        checkMs: performance.now() - connected,
      };
    });
    const rounded = { ...report, connectMs: Math.round(report.connectMs * 10) / 10, checkMs: Math.round(report.checkMs * 10) / 10 };
    if (flags.json) return printJson(rounded);
    const instead = rounded.check === 'ping' ? '' : ` (${rounded.protocolVersion} has no ping)`;
    process.stdout.write(
      `ok: ${rounded.server ?? 'server'} at ${rounded.url}, ${rounded.protocolVersion} — connect ${rounded.connectMs} ms, ${rounded.check} ${rounded.checkMs} ms${instead}\n`,
    );
  });
}
