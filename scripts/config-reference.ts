// Prints (or with --write, updates in README.md) the configuration reference generated from the config schema.
import { readFile, writeFile } from 'node:fs/promises';
import { configJsonSchema } from '../src/config/index.js';

interface Node {
  type?: string | string[];
  description?: string;
  default?: unknown;
  properties?: Record<string, Node>;
  items?: Node;
  anyOf?: Node[];
  allOf?: Node[];
  enum?: unknown[];
  const?: unknown;
}

const START = '<!-- config-reference:start -->';
const END = '<!-- config-reference:end -->';

function typeOf(node: Node): string {
  if (node.enum) return node.enum.map((v) => JSON.stringify(v)).join(' \\| ');
  if (node.const !== undefined) return JSON.stringify(node.const);
  if (node.anyOf) return [...new Set(node.anyOf.map(typeOf))].join(' \\| ');
  if (node.type === 'array') return `${node.items ? typeOf(node.items) : 'any'}[]`;
  return Array.isArray(node.type) ? node.type.join(' \\| ') : (node.type ?? 'object');
}

function rows(node: Node, path: string, out: string[]): void {
  const merged: Record<string, Node> = { ...node.properties };
  for (const part of node.allOf ?? []) Object.assign(merged, part.properties);
  for (const [key, child] of Object.entries(merged)) {
    const here = path ? `${path}.${key}` : key;
    const fallback = child.default === undefined ? '' : `\`${JSON.stringify(child.default)}\``;
    out.push(`| \`${here}\` | ${typeOf(child)} | ${fallback} | ${child.description ?? ''} |`);
    const inner = child.type === 'array' ? child.items : child;
    if (inner && (inner.properties || inner.allOf)) rows(inner, child.type === 'array' ? `${here}[]` : here, out);
  }
}

/** The Markdown table of every config key. */
export function configReference(): string {
  const out = ['| key | type | default | meaning |', '|---|---|---|---|'];
  rows(configJsonSchema() as Node, '', out);
  return out.join('\n');
}

/** README.md with its reference section regenerated. */
export async function readmeWithReference(file = 'README.md'): Promise<{ current: string; updated: string }> {
  const current = await readFile(file, 'utf8');
  const start = current.indexOf(START);
  const end = current.indexOf(END);
  if (start < 0 || end < 0) throw new Error(`${file} lacks the ${START} / ${END} markers`);
  return { current, updated: `${current.slice(0, start + START.length)}\n${configReference()}\n${current.slice(end)}` };
}

if (process.argv[1]?.endsWith('config-reference.ts')) {
  if (process.argv.includes('--write')) {
    const { updated } = await readmeWithReference();
    await writeFile('README.md', updated);
  } else {
    process.stdout.write(`${configReference()}\n`);
  }
}
