import type { Client } from '@modelcontextprotocol/client';
import type { CallToolResult, Tool } from '@modelcontextprotocol/server';
import { FunctionTool } from '@strands-agents/sdk';

/** AgentCore's search tool name, which Toolport gateways also use. */
export const SEARCH_TOOL = 'x_amz_bedrock_agentcore_search';

/** One tool call the agent made, for the printed trace. */
export interface TraceEntry {
  tool: string;
  arguments: Record<string, unknown>;
  ms: number;
  isError: boolean;
  /** The result as the model saw it, cut to a readable length. */
  result: string;
}

/** How the agent's tools were chosen. */
export interface ToolPlan {
  tools: FunctionTool[];
  /** `all`: every tool of the target; `search`: the gateway's search tool, its best hits and a generic caller. */
  mode: 'all' | 'search';
  offered: string[];
}

const TRACE_EXCERPT = 300;

/** What the model reads back from a tool: the text blocks, or the structured result when there is no text. */
function resultText(result: CallToolResult): string {
  const text = result.content.map((block) => (block.type === 'text' ? block.text : `[${block.type}]`)).join('\n');
  if (text) return text;
  return result.structuredContent ? JSON.stringify(result.structuredContent) : '';
}

/** Every tool: called without a cursor, the SDK's `listTools` walks the pages itself (bounded by `listMaxPages`). */
async function listAllTools(client: Client): Promise<Tool[]> {
  return (await client.listTools()).tools;
}

/** Model providers accept `^[A-Za-z0-9_-]{1,64}$` as function names; MCP names may also hold dots and slashes. */
function modelSafeName(name: string): string {
  return name.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 64);
}

/**
 * Exposes MCP tools to a Strands agent. Each call goes through the one MCP client (so the target's auth, retries and
 * timeouts apply), and is recorded in `trace`. A tool's own failure reaches the model as an error result.
 */
export class McpToolBridge {
  readonly trace: TraceEntry[] = [];
  constructor(
    private readonly client: Client,
    private readonly timeoutMs: number,
  ) {}

  private async call(name: string, args: Record<string, unknown>): Promise<string> {
    const started = performance.now();
    let result: CallToolResult;
    try {
      result = (await this.client.callTool({ name, arguments: args }, { timeout: this.timeoutMs })) as CallToolResult;
    } catch (error) {
      const message = (error as Error).message;
      this.trace.push({ tool: name, arguments: args, ms: performance.now() - started, isError: true, result: message.slice(0, TRACE_EXCERPT) });
      throw error;
    }
    const text = resultText(result);
    this.trace.push({ tool: name, arguments: args, ms: performance.now() - started, isError: !!result.isError, result: text.slice(0, TRACE_EXCERPT) });
    // Strands turns a thrown error into an error tool result, which is how the model should see a failed tool.
    if (result.isError) throw new Error(text || `tool ${name} failed`);
    return text;
  }

  private wrap(tool: Tool): FunctionTool {
    return new FunctionTool({
      name: modelSafeName(tool.name),
      description: tool.description ?? tool.title ?? tool.name,
      inputSchema: tool.inputSchema as FunctionTool['toolSpec']['inputSchema'] & object,
      callback: (input: unknown) => this.call(tool.name, (input ?? {}) as Record<string, unknown>),
    });
  }

  /** A generic caller for tools found by search, which the model has not been given as functions. */
  private caller(): FunctionTool {
    return new FunctionTool({
      name: 'call_tool',
      description: `Calls a tool found with ${SEARCH_TOOL} by its exact name, with arguments matching its inputSchema.`,
      inputSchema: {
        type: 'object',
        properties: {
          name: { type: 'string', description: 'The exact tool name from the search result' },
          arguments: { type: 'object', description: 'The tool arguments' },
        },
        required: ['name'],
      },
      callback: (input: unknown) => {
        const { name, arguments: args } = input as { name: string; arguments?: Record<string, unknown> };
        return this.call(name, args ?? {});
      },
    });
  }

  /**
   * Chooses the tools: all of them when there are few; with a large catalog and a search tool, the search tool, the
   * best matches for the prompt (found with that search tool) and `call_tool` for whatever a later search finds.
   */
  async plan(prompt: string, maxTools: number): Promise<ToolPlan> {
    const tools = await listAllTools(this.client);
    const search = tools.find((tool) => tool.name === SEARCH_TOOL);
    if (tools.length <= maxTools || !search) {
      // Without a search tool every tool is offered, however many: hiding some would make them unreachable.
      return { tools: tools.map((tool) => this.wrap(tool)), mode: 'all', offered: tools.map((tool) => tool.name) };
    }
    const found = (await this.client.callTool({ name: SEARCH_TOOL, arguments: { query: prompt } })) as CallToolResult;
    const hits = ((found.structuredContent as { tools?: Tool[] } | undefined)?.tools ?? []).slice(0, 10);
    const chosen = [search, ...hits];
    return {
      tools: [...chosen.map((tool) => this.wrap(tool)), this.caller()],
      mode: 'search',
      offered: [...chosen.map((tool) => tool.name), 'call_tool'],
    };
  }
}
