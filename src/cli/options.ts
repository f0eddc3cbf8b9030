import { readFile } from 'node:fs/promises';
import { InvalidArgumentError } from 'commander';

/** Parses `--name <n>` as a whole number in [min, max]; anything else is a usage error saying what was wanted. */
export function wholeNumber(min: number, max = Number.MAX_SAFE_INTEGER): (value: string) => number {
  return (value) => {
    const parsed = /^\d+$/.test(value.trim()) ? Number(value) : Number.NaN;
    if (!Number.isSafeInteger(parsed) || parsed < min || parsed > max) {
      throw new InvalidArgumentError(`expected a whole number from ${min} to ${max}, got "${value}"`);
    }
    return parsed;
  };
}

/** Parses `--port <n|auto>`: a TCP port, or `auto`. */
export function portOrAuto(value: string): number | 'auto' {
  return value === 'auto' ? 'auto' : wholeNumber(1, 65535)(value);
}

/** Collects repeated `--env KEY=VALUE` flags; a pair without `=` or with a bad name is a usage error. */
export function envPair(value: string, previous: Record<string, string> = {}): Record<string, string> {
  const equals = value.indexOf('=');
  const key = value.slice(0, Math.max(equals, 0));
  if (equals < 0 || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) {
    throw new InvalidArgumentError(`expected KEY=VALUE with KEY a variable name (letters, digits, _), got "${value}"`);
  }
  return { ...previous, [key]: value.slice(equals + 1) };
}

/** Collects repeated `--unset-env NAME` flags. */
export function envName(value: string, previous: string[] = []): string[] {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(value)) throw new InvalidArgumentError(`expected a variable name (letters, digits, _), got "${value}"`);
  return [...previous, value];
}

/** A `--file` of keys (YAML, or JSON, which is YAML too); an empty file has none. */
export async function readSpecFile(file: string): Promise<Record<string, unknown>> {
  // Loaded here, not at start-up: only the verbs that take a file need the YAML parser.
  const { parse } = await import('yaml');
  return (parse(await readFile(file, 'utf8')) as Record<string, unknown> | null) ?? {};
}
