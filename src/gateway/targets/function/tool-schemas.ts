// Tool schemas of a lambda or http target: inline in the spec, or a JSON file read again at every sync.
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { z } from 'zod';
import type { Tool } from '@modelcontextprotocol/server';
import { describeIssues, inlineToolSchema, type InlineTool } from '../../../config/index.js';
import { TargetError } from '../types.js';

const toolFileSchema = z.array(inlineToolSchema).min(1, 'the file must hold at least one tool');

function toMcpTool(tool: InlineTool): Tool {
  return {
    name: tool.name,
    ...(tool.title ? { title: tool.title } : {}),
    description: tool.description,
    inputSchema: tool.inputSchema,
    ...(tool.outputSchema ? { outputSchema: tool.outputSchema } : {}),
    ...(tool.annotations ? { annotations: tool.annotations } : {}),
  } as Tool;
}

async function readToolsFile(file: string, baseDir: string): Promise<InlineTool[]> {
  const path = resolve(baseDir, file);
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(path, 'utf8'));
  } catch (error) {
    throw new TargetError('invalid', `cannot read the tool schemas in ${file}: ${(error as Error).message}`);
  }
  const result = toolFileSchema.safeParse(parsed);
  if (!result.success) {
    const issues = describeIssues(result.error).map((issue) => `${issue.path}: ${issue.message}`);
    throw new TargetError('invalid', `${file} is not an array of tool definitions (name, description, inputSchema): ${issues.join('; ')}`);
  }
  return result.data;
}

/** The target's tools as MCP tool definitions; two tools with one name are refused. */
export async function loadToolSchemas(source: { tools?: InlineTool[]; toolsFile?: string }, baseDir: string): Promise<Tool[]> {
  const tools = source.toolsFile ? await readToolsFile(source.toolsFile, baseDir) : (source.tools ?? []);
  const seen = new Set<string>();
  for (const tool of tools) {
    if (seen.has(tool.name)) throw new TargetError('invalid', `tool "${tool.name}" is defined twice in ${source.toolsFile ?? 'the inline tools'}`);
    seen.add(tool.name);
  }
  return tools.map(toMcpTool);
}
