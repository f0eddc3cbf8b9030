import type { Command } from 'commander';
import { targetOptions, UsageError, withConnection, type TargetFlags } from './common.js';
import { printJson } from './output.js';

interface AgentFlags extends TargetFlags {
  gateway?: string;
  runtime?: string;
  url?: string;
  model?: string;
  maxTools?: string;
}

/** The one target named by --gateway, --runtime or --url. */
function agentTarget(flags: AgentFlags): string {
  const given = [flags.gateway && `gateway:${flags.gateway}`, flags.runtime && `runtime:${flags.runtime}`, flags.url].filter(Boolean) as string[];
  if (given.length !== 1) throw new UsageError('name exactly one target: --gateway NAME, --runtime NAME or --url URL');
  return given[0] as string;
}

/** `toolport agent "PROMPT" --gateway NAME | --runtime NAME | --url URL [--model provider:model]`. */
export function registerAgentCommand(program: Command): void {
  targetOptions(
    program
      .command('agent <prompt>')
      .description("answer a prompt with an agent (Strands Agents) that uses a target's MCP tools; prints the answer and a trace of tool calls")
      .option('--gateway <name>', 'use the tools of a Toolport gateway')
      .option('--runtime <name>', 'use the tools of a Toolport runtime')
      .option('--url <url>', 'use the tools of any MCP endpoint (URL or AgentCore ARN)')
      .option(
        '--model <provider:model>',
        'openai, openai-chat, anthropic, bedrock or ollama, e.g. openai:gpt-5.4-mini (default: from OPENAI_API_KEY / ANTHROPIC_API_KEY)',
      )
      .option('--max-tools <n>', "above this many tools, the gateway's search tool chooses what the model sees", '40'),
  ).action(async (prompt: string, flags: AgentFlags) => {
    const target = agentTarget(flags);
    const maxTools = Number(flags.maxTools);
    if (!Number.isInteger(maxTools) || maxTools < 1) throw new UsageError('--max-tools must be a positive whole number');
    // Loaded on demand: the agent framework and model SDKs are large and no other verb needs them.
    const { runAgent } = await import('../agent/index.js');
    const run = await withConnection(target, flags, ({ client }) => runAgent({ prompt, client, maxTools, ...(flags.model ? { model: flags.model } : {}) }));
    if (flags.json) return printJson({ target, ...run });
    const lines = run.trace.map(
      (call, i) =>
        `  ${i + 1}. ${call.tool}(${JSON.stringify(call.arguments)}) ${call.isError ? 'failed' : 'ok'} ${call.ms.toFixed(0)} ms → ${call.result.replace(/\s+/g, ' ').slice(0, 120)}`,
    );
    process.stderr.write(
      `model ${run.model.provider}:${run.model.modelId} · ${run.toolsOffered.length} tools offered (${run.toolMode})\n` +
        (lines.length ? `tool calls:\n${lines.join('\n')}\n` : 'no tool calls\n'),
    );
    process.stdout.write(`${run.answer}\n`);
  });
}
