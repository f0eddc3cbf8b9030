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
