import { it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { configJsonSchema } from '../src/config/index.js';
import { readmeWithReference } from '../scripts/config-reference.js';

it('README configuration reference matches the config schema (regenerate with scripts/config-reference.ts --write)', async () => {
  const { current, updated } = await readmeWithReference();
  assert.equal(current, updated);
});

it('docs/toolport.schema.json matches the config schema (regenerate with: npx toolport schema)', async () => {
  assert.deepEqual(JSON.parse(await readFile('docs/toolport.schema.json', 'utf8')), JSON.parse(JSON.stringify(configJsonSchema())));
});

it('every test named in docs/SECURITY.md\'s "Reported and fixed" table exists', async () => {
  const security = await readFile('docs/SECURITY.md', 'utf8');
  const table = security.slice(security.indexOf('## Reported and fixed'));
  const named = [...table.matchAll(/`(test\/[^`\s]+\.test\.ts)`/g)].map((match) => match[1]!);
  assert.ok(named.length >= 15, `the table names ${named.length} tests`);
  const missing = named.filter((path) => !existsSync(path));
  assert.deepEqual(missing, [], 'tests the table names but the repository lacks');
});

it("docs/ARCHITECTURE.md's public-surface column names exactly what each part's index.ts exports at run time", async () => {
  const architecture = await readFile('docs/ARCHITECTURE.md', 'utf8');
  const rows = [...architecture.matchAll(/^\| `src\/([a-z/]+)` \|.*\| (.*) \|$/gm)].filter(([, part]) => existsSync(`src/${part}/index.ts`));
  assert.ok(rows.length >= 15, `the parts table has ${rows.length} rows with an index.ts`);
  const problems: string[] = [];
  for (const [, part, surface] of rows) {
    const listed = new Set([...surface!.matchAll(/`([A-Za-z_][A-Za-z0-9_]*)(?:\([^`]*\))?`/g)].map((match) => match[1]!));
    const source = await readFile(`src/${part}/index.ts`, 'utf8');
    const values = Object.keys((await import(`../src/${part}/index.js`)) as object);
    for (const name of values) if (!listed.has(name)) problems.push(`src/${part} exports ${name}, which its row does not list`);
    for (const name of listed) {
      if (!values.includes(name) && !new RegExp(`^export [^;]*\\b${name}\\b`, 'm').test(source))
        problems.push(`src/${part}'s row lists ${name}, which its index.ts does not export`);
    }
  }
  assert.deepEqual(problems, []);
});
