// oidc-provider's storage contract over store.sql, on SQLite and PostgreSQL: the records sessions, codes, grants and
// refresh tokens live in, including consumption (refresh-token reuse detection) and revocation by grant.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { openStore, type Store } from '../../src/store/index.js';
import { SqlAdapter, sweepExpired } from '../../src/identity/server/adapter.js';
import { dropSchema, pgSchema, PG_URL } from './server-helpers.js';

async function exercise(store: Store): Promise<void> {
  const tokens = new SqlAdapter(store.sql, 'RefreshToken');
  const codes = new SqlAdapter(store.sql, 'AuthorizationCode');
  const sessions = new SqlAdapter(store.sql, 'Session');
  await tokens.upsert('rt-1', { grantId: 'g1', accountId: 'u1', kind: 'RefreshToken' }, 3600);
  await tokens.upsert('rt-2', { grantId: 'g2', accountId: 'u1', kind: 'RefreshToken' }, 3600);
  await codes.upsert('code-1', { grantId: 'g1', kind: 'AuthorizationCode' }, 60);
  await sessions.upsert('s-1', { uid: 'uid-1', accountId: 'u1', kind: 'Session' }, 3600);

  assert.deepEqual(await tokens.find('rt-1'), { grantId: 'g1', accountId: 'u1', kind: 'RefreshToken' });
  assert.equal(await codes.find('rt-1'), undefined, 'models do not see each other');
  assert.equal((await sessions.findByUid('uid-1'))?.accountId, 'u1');

  await tokens.consume('rt-1');
  assert.equal(typeof (await tokens.find('rt-1'))?.consumed, 'number', 'a consumed token says so (reuse detection)');
  await tokens.upsert('rt-2', { grantId: 'g2', accountId: 'u1', kind: 'RefreshToken', rotations: 1 }, 3600);
  assert.equal((await tokens.find('rt-2'))?.rotations, 1, 'upsert replaces');

  await tokens.revokeByGrantId('g1');
  assert.equal(await tokens.find('rt-1'), undefined);
  assert.ok(await codes.find('code-1'), 'revoking one model leaves the others to their own call');
  assert.ok(await tokens.find('rt-2'), 'other grants are untouched');
  await codes.destroy('code-1');
  assert.equal(await codes.find('code-1'), undefined);

  await tokens.upsert('short', { grantId: 'g3', kind: 'RefreshToken' }, -1);
  assert.equal(await tokens.find('short'), undefined, 'expired records are not found');
  assert.equal(await sweepExpired(store.sql), 1);
}

test('the oidc-provider adapter on SQLite', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'toolport-adapter-'));
  const store = await openStore(join(dir, 'toolport.db'));
  try {
    await exercise(store);
  } finally {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  }
});

test('the oidc-provider adapter on PostgreSQL', async () => {
  const schema = pgSchema();
  const store = await openStore(`${PG_URL}?schema=${schema}`);
  try {
    await exercise(store);
  } finally {
    await store.close();
    await dropSchema(schema);
  }
});
