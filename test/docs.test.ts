import { it } from 'node:test';
import assert from 'node:assert/strict';
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
