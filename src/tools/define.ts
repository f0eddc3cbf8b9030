import { z } from 'zod';
import type { CallToolResult } from '@modelcontextprotocol/server';

/** What a tool handler receives beside its arguments. */
export interface ToolContext {
  /** Aborted when the caller cancels or the request times out. */
  signal: AbortSignal;
  /** Sends `notifications/progress` to the caller (a no-op when the caller asked for none). */
  progress(progress: number, total?: number, message?: string): Promise<void>;
}

/** What a handler may return: text, a full MCP result, or (with an output schema) the structured value. */
export type ToolReturn<O> = O extends z.ZodType ? z.output<O> | CallToolResult : string | CallToolResult;

/** A tool written once: its schema is derived from the zod types, argument descriptions included. */
export interface ToolDefinition<I extends z.ZodObject = z.ZodObject, O extends z.ZodObject | undefined = z.ZodObject | undefined> {
  readonly kind: 'toolport.tool';
  name: string;
  title?: string;
  description: string;
  input: I;
  output?: O;
  annotations?: { readOnlyHint?: boolean; destructiveHint?: boolean; idempotentHint?: boolean; openWorldHint?: boolean };
  handler(args: z.output<I>, context: ToolContext): Promise<ToolReturn<O>> | ToolReturn<O>;
}

const TOOL_NAME = /^[A-Za-z0-9_.-]{1,128}$/;

/** Declares a tool. Every `.describe()` on an input field becomes that argument's description in `inputSchema`. */
export function defineTool<I extends z.ZodObject, O extends z.ZodObject | undefined = undefined>(
  definition: Omit<ToolDefinition<I, O>, 'kind'>,
): ToolDefinition<I, O> {
  if (!TOOL_NAME.test(definition.name)) {
    throw new Error(`tool name "${definition.name}" must be 1-128 characters of letters, digits, "_", "-" or "."`);
  }
  return { ...definition, kind: 'toolport.tool' };
}

/** True for values made by defineTool (used to collect tools from a module's exports). */
export function isToolDefinition(value: unknown): value is ToolDefinition {
  return typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === 'toolport.tool';
}

/** The MCP `Tool` JSON of a definition, as `tools/list` shows it. */
export function describeTool(tool: ToolDefinition): {
  name: string;
  title?: string;
  description: string;
  inputSchema: Record<string, unknown>;
  outputSchema?: Record<string, unknown>;
} {
  const { $schema: _ignored, ...inputSchema } = z.toJSONSchema(tool.input, { io: 'input' }) as Record<string, unknown>;
  const described: ReturnType<typeof describeTool> = { name: tool.name, description: tool.description, inputSchema };
  if (tool.title) described.title = tool.title;
  if (tool.output) {
    const { $schema: _o, ...outputSchema } = z.toJSONSchema(tool.output, { io: 'output' }) as Record<string, unknown>;
    described.outputSchema = outputSchema;
  }
  return described;
}
