/** Agent: a Strands Agents loop whose tools are a Toolport (or any MCP) target's tools. */
import { Agent } from '@strands-agents/sdk';
import type { Client } from '@modelcontextprotocol/client';
import { createModel, parseModel, type ModelChoice } from './model.js';
import { McpToolBridge, type TraceEntry } from './tools.js';

export { ModelError, parseModel } from './model.js';
export type { ModelChoice } from './model.js';
export { SEARCH_TOOL } from './tools.js';
export type { TraceEntry } from './tools.js';

export interface AgentOptions {
  prompt: string;
  /** A connected MCP client for the target whose tools the agent uses. */
  client: Client;
  /** `provider:model`; default from the environment's keys. */
  model?: string;
  /** Above this many tools, a gateway's search tool picks what the model sees. */
  maxTools?: number;
  /** Per tool-call timeout. */
  toolTimeoutMs?: number;
  systemPrompt?: string;
  env?: NodeJS.ProcessEnv;
}

export interface AgentRun {
  answer: string;
  model: ModelChoice;
  toolMode: 'all' | 'search';
  toolsOffered: string[];
  trace: TraceEntry[];
}

const SYSTEM_PROMPT =
  'You answer the user with the tools you are given. Call a tool whenever it can supply or check a fact; ' +
  'when a search tool is offered, search for tools first and call the best match. Answer concisely.';

/** Runs the agent loop to its final answer. */
export async function runAgent(options: AgentOptions): Promise<AgentRun> {
  const env = options.env ?? process.env;
  const choice = parseModel(options.model, env);
  const model = await createModel(choice, env);
  const bridge = new McpToolBridge(options.client, options.toolTimeoutMs ?? 15 * 60_000);
  const plan = await bridge.plan(options.prompt, options.maxTools ?? 40);
  const agent = new Agent({ model, tools: plan.tools, systemPrompt: options.systemPrompt ?? SYSTEM_PROMPT, printer: false });
  const result = await agent.invoke(options.prompt);
  return { answer: result.toString().trim(), model: choice, toolMode: plan.mode, toolsOffered: plan.offered, trace: bridge.trace };
}
