import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { ToolportError } from '../errors/index.js';
import { configSchema, runtimeSpecSchema, type Config } from './schema.js';
import { resolveRuntimePaths } from './paths.js';
import { unknownKeyMessages } from './unknown-keys.js';

export { configSchema, runtimeSpecSchema, resourceName, gatewaySpecSchema } from './schema.js';
export type { Config, RuntimeEntry, RuntimeSpec, RuntimeSpecInput, GatewayEntry, GatewaySpec } from './schema.js';
export { parseDuration } from './duration.js';
export { envRefName, resolveEnvRef, resolveEnvMap } from './env-ref.js';
export { resolveRuntimePaths } from './paths.js';
export { credentialProviderSchema } from './schema.js';
export type { CredentialProviderInput, CredentialProviderSpec } from './schema.js';
export { identityConfigSchema } from './schema.js';
export type { IsolationSettings } from './isolation.js';
export type { IdentityConfig } from './schema.js';
/** Gateway target specs (one zod schema per target type); the gateway's drivers take them. */
export { gatewayTargetSchema, type TargetSpec } from './targets/spec.js';
export { mcpTargetSchema, type McpTargetSpec } from './targets/mcp.js';
export { openApiTargetSchema, type OpenApiTargetSpec } from './targets/openapi.js';
export { functionTargetSchema, inlineToolSchema, type FunctionTargetSpec, type InlineTool } from './targets/function.js';

/** A config file or control-plane body that does not validate; `issues` name each bad key by its path. */
export class ConfigError extends ToolportError<'invalid_config'> {
  constructor(
    message: string,
    readonly issues: { path: string; message: string }[] = [],
  ) {
    super('invalid_config', message);
  }
}

/** Formats zod issues as `runtimes[0].sessions.idleTimeout: expected ...`, one per line; an unknown key is part of its path. */
export function describeIssues(error: z.ZodError): { path: string; message: string }[] {
  return error.issues.map((issue) => {
    const path = issue.code === 'unrecognized_keys' && issue.keys.length === 1 ? [...issue.path, ...issue.keys] : issue.path;
    return {
      path: path.reduce<string>((acc, key) => (typeof key === 'number' ? `${acc}[${key}]` : acc ? `${acc}.${String(key)}` : String(key)), '') || '(root)',
      message: issue.message,
    };
  });
}

/** Validates a parsed document against a schema, throwing a ConfigError that names every bad key. */
export function validate<S extends z.ZodType>(schema: S, value: unknown, what: string): z.output<S> {
  const result = schema.safeParse(value, { error: unknownKeyMessages });
  if (result.success) return result.data;
  const issues = describeIssues(result.error);
  throw new ConfigError(`${what} is invalid:\n${issues.map((i) => `  ${i.path}: ${i.message}`).join('\n')}`, issues);
}

/** Reads and validates a `toolport.yaml` (YAML or JSON); runtime paths come back absolute, resolved against its folder. */
export async function loadConfig(file: string): Promise<Config> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new ConfigError(`cannot read config ${file}: ${(error as Error).message}`);
  }
  let document: unknown;
  try {
    document = parseYaml(text) ?? {};
  } catch (error) {
    throw new ConfigError(`${file} is not valid YAML: ${(error as Error).message}`);
  }
  const config = validate(configSchema, document, file);
  const names = new Set<string>();
  for (const [index, runtime] of config.runtimes.entries()) {
    if (names.has(runtime.name)) {
      throw new ConfigError(`${file} is invalid:\n  runtimes[${index}].name: "${runtime.name}" is declared twice`);
    }
    names.add(runtime.name);
  }
  const folder = dirname(resolve(file));
  return { ...config, runtimes: config.runtimes.map((runtime) => resolveRuntimePaths(runtime, folder)) };
}

/** The JSON Schema of `toolport.yaml`, as an editor reads it (input shapes, defaults shown). */
export function configJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(configSchema, { io: 'input', unrepresentable: 'any' }),
    $id: 'https://toolport.dev/schema/toolport.schema.json',
    title: 'toolport.yaml',
  };
}

/** The JSON Schema of one runtime spec, for control-plane clients. */
export function runtimeSpecJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(runtimeSpecSchema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
}
