// The `function` target's own keys. Imports only zod and the shared target fields, so the config schema can include it.
import { z } from 'zod';
import { targetCommonShape, targetIsolationShape } from './mcp.js';

/** MCP tool names (and AgentCore's): 1-128 letters, digits, `_`, `-`, `.`. */
const toolName = z.string().regex(/^[A-Za-z0-9_.-]{1,128}$/, 'a tool name of 1-128 letters, digits, "_", "-" or "."');

const objectSchema = z.looseObject({ type: z.literal('object') });

/** One tool as AgentCore's inline tool schema (ToolDefinition) writes it: name, description, input and output schema. */
export const inlineToolSchema = z
  .object({
    name: toolName.describe('Tool name without the target prefix; the handler sees `{target}___{name}` in bedrockAgentCoreToolName'),
    title: z.string().optional().describe('Human-readable title'),
    description: z.string().min(1).describe('What the tool does, for the calling model'),
    inputSchema: objectSchema.describe('JSON Schema of the arguments (an object schema); the handler receives them as its event'),
    outputSchema: objectSchema.optional().describe('JSON Schema of a structured result'),
    annotations: z.record(z.string(), z.unknown()).optional().describe('MCP tool annotations (readOnlyHint, ...)'),
  })
  .strict();

/** A tool definition as listed by a lambda or http function target. */
export type InlineTool = z.output<typeof inlineToolSchema>;

/** Tool schemas for a handler that cannot describe itself: inline, or a JSON file holding the same array. */
const toolSchemasShape = {
  tools: z.array(inlineToolSchema).min(1).optional().describe("The tools, as AgentCore's inline tool schema (name, description, inputSchema)"),
  toolsFile: z.string().min(1).optional().describe('A JSON file with that array (relative to the config file)'),
};

function exactlyOneToolSource(spec: { tools?: unknown; toolsFile?: unknown }, ctx: z.RefinementCtx): void {
  if ((spec.tools === undefined) === (spec.toolsFile === undefined)) {
    ctx.addIssue({ code: 'custom', path: ['tools'], message: 'give exactly one of "tools" (inline) or "toolsFile"' });
  }
}

const lambdaSchema = z
  .object({
    handler: z
      .string()
      .regex(/^[^#]+(#[A-Za-z_$][\w$]*)?$/, 'a file and an export: "handlers/index.mjs#handler" (the export defaults to "handler")')
      .describe('The Lambda handler `(event, context)`: a JS/TS file and its export, "file.js#handler"'),
    functionName: z.string().min(1).optional().describe('context.functionName seen by the handler (default: the target name)'),
    ...toolSchemasShape,
  })
  .strict()
  .superRefine(exactlyOneToolSource);

const httpSchema = z
  .object({
    url: z.url({ protocol: /^https?$/ }).describe("Endpoint that receives POST {event, context} as JSON and answers with the handler's return value"),
    functionName: z.string().min(1).optional().describe('context.functionName sent to the endpoint (default: the target name)'),
    ...toolSchemasShape,
  })
  .strict()
  .superRefine(exactlyOneToolSource);

/**
 * A function target: `module` (defineTool tools; the schema comes from the code), `lambda` (an AgentCore-style
 * handler plus tool schemas) or `http` (the same contract over HTTP, any language). Modules and handlers run in a
 * child process of their own (sandboxed unless `isolation: process`), restarted after a crash or a timeout.
 */
export const functionTargetSchema = z
  .object({
    ...targetCommonShape,
    type: z.literal('function'),
    module: z.string().min(1).optional().describe('A JS/TS module exporting defineTool tools (relative to the config file)'),
    lambda: lambdaSchema.optional().describe('A Lambda-style handler (event, context) with the tool schemas AgentCore would hold'),
    http: httpSchema.optional().describe('An HTTP endpoint in any language, sent what AgentCore sends a Lambda'),
    env: z.record(z.string(), z.string()).default({}).describe("module/lambda: process environment; env:NAME copies NAME from Toolport's environment"),
    cwd: z.string().optional().describe("module/lambda: working directory of the process (default: the config file's folder)"),
    ...targetIsolationShape,
  })
  .strict()
  .superRefine((spec, ctx) => {
    const given = [spec.module, spec.lambda, spec.http].filter((kind) => kind !== undefined).length;
    if (given !== 1) ctx.addIssue({ code: 'custom', path: ['module'], message: 'give exactly one of "module", "lambda" or "http"' });
  });

/** A function target as stored (defaults applied). */
export type FunctionTargetSpec = z.output<typeof functionTargetSchema>;
