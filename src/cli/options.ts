import { InvalidArgumentError } from 'commander';
import { isPostgresUrl } from '../store/index.js';

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

/** `--store`: a postgres:// URL or a SQLite file path; another URL scheme is a usage error, not a file named after it. */
export function storeLocation(value: string): string {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(value) && !isPostgresUrl(value)) {
    throw new InvalidArgumentError(`only postgres:// URLs and SQLite file paths are accepted, got "${value.split('://')[0]}://..."`);
  }
  return value;
}
