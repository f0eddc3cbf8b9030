/**
 * The `env:NAME` rule of `toolport.yaml` and control-plane bodies: a value written `env:NAME` is read from Toolport's
 * own environment when it is used (never stored or printed); any other value is itself.
 */
const PREFIX = 'env:';

/** NAME of an `env:NAME` reference, or undefined for a literal value. */
export function envRefName(value: string): string | undefined {
  return value.startsWith(PREFIX) ? value.slice(PREFIX.length) : undefined;
}

/** The value `value` stands for: the variable's value for `env:NAME` (undefined when unset), else `value` itself. */
export function resolveEnvRef(value: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const name = envRefName(value);
  return name === undefined ? value : env[name];
}

/** Resolves every value of a map; a key whose `env:NAME` is unset is left out and passed to `onUnset`. */
export function resolveEnvMap(
  map: Record<string, string>,
  env: NodeJS.ProcessEnv = process.env,
  onUnset?: (key: string, reference: string) => void,
): Record<string, string> {
  const resolved: Record<string, string> = {};
  for (const [key, value] of Object.entries(map)) {
    const result = resolveEnvRef(value, env);
    if (result === undefined) onUnset?.(key, value);
    else resolved[key] = result;
  }
  return resolved;
}
