import { z } from 'zod';

const UNIT_MS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Parses `250ms`, `30s`, `15m`, `8h`, `1d` (or a bare number of milliseconds) into milliseconds. */
export function parseDuration(value: string | number): number {
  if (typeof value === 'number') return value;
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/.exec(value.trim());
  if (!match) throw new Error(`"${value}" is not a duration: use a number with ms, s, m, h or d (e.g. 15m)`);
  return Math.round(Number(match[1]) * (UNIT_MS[match[2] as string] as number));
}

/** A zod schema for durations written as `15m` or as milliseconds; parses to milliseconds. */
export const duration = z
  .union([z.number().int().nonnegative(), z.string().regex(/^\d+(\.\d+)?(ms|s|m|h|d)$/, 'a duration like 30s, 15m or 8h')])
  .transform((v) => parseDuration(v));
