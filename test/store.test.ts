import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { runtimeSpecSchema, type RuntimeSpec } from '../src/config/index.js';
import { openStore, runtimeArn, StoreError, type Store } from '../src/store/index.js';

const PG_URL = process.env.TOOLPORT_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

const spec = (arg: string): RuntimeSpec => runtimeSpecSchema.parse({ command: ['node', arg] });
const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

async function rejectsWith(promise: Promise<unknown>, code: StoreError['code']): Promise<void> {
  await assert.rejects(promise, (err) => err instanceof StoreError && err.code === code);
}

/** The one behaviour contract; `newLocation` gives a fresh, empty store location each call. */
function storeSuite(kind: Store['kind'], newLocation: () => string, cleanup: () => Promise<void>): void {
  describe(`${kind} store`, () => {
    const location = newLocation();
    let store: Store;
    before(async () => {
      store = await openStore(location);
    });
    after(async () => {
      await store.close();
      await cleanup();
    });

    it('opens the right backend', () => assert.equal(store.kind, kind));

    it('creates at version 1 and reads it back', async () => {
      const created = await store.createRuntime('alpha', spec('a1.js'));
      assert.equal(created.name, 'alpha');
      assert.equal(created.arn, runtimeArn('alpha'));
      assert.equal(created.latestVersion, 1);
      assert.deepEqual(created.spec, spec('a1.js'));
      assert.deepEqual(created.endpoints, { DEFAULT: 1 });
      assert.match(created.createdAt, ISO);
      assert.equal(created.updatedAt, created.createdAt);
      assert.deepEqual(await store.getRuntime('alpha'), created);
      assert.equal(await store.getRuntime('missing'), undefined);
    });

    it('rejects a duplicate create with conflict', async () => {
      await store.createRuntime('dup', spec('d.js'));
      await rejectsWith(store.createRuntime('dup', spec('other.js')), 'conflict');
      assert.equal((await store.getRuntime('dup'))?.spec.command?.[1], 'd.js');
    });

    it('appends versions on update and keeps old ones immutable', async () => {
      await store.createRuntime('beta', spec('b1.js'));
      const v2 = await store.updateRuntime('beta', spec('b2.js'));
      const v3 = await store.updateRuntime('beta', spec('b3.js'));
      assert.equal(v2.latestVersion, 2);
      assert.equal(v3.latestVersion, 3);
      assert.deepEqual(v3.spec, spec('b3.js'));
      assert.deepEqual(v3.endpoints, { DEFAULT: 3 });
      assert.ok(v3.updatedAt >= v3.createdAt);
      const versions = await store.listRuntimeVersions('beta');
      assert.deepEqual(
        versions.map((v) => [v.runtime, v.version, v.spec.command?.[1]]),
        [
          ['beta', 1, 'b1.js'],
          ['beta', 2, 'b2.js'],
          ['beta', 3, 'b3.js'],
        ],
      );
      const v1 = await store.getRuntimeVersion('beta', 1);
      assert.deepEqual(v1?.spec, spec('b1.js'));
      assert.match(v1?.createdAt ?? '', ISO);
      assert.equal(await store.getRuntimeVersion('beta', 4), undefined);
      assert.equal(await store.getRuntimeVersion('beta', 1.5), undefined);
    });

    it('reports not_found for updates and endpoints of a missing runtime', async () => {
      await rejectsWith(store.updateRuntime('ghost', spec('g.js')), 'not_found');
      await rejectsWith(store.setEndpoint('ghost', 'prod', 1), 'not_found');
      assert.deepEqual(await store.listRuntimeVersions('ghost'), []);
      assert.equal(await store.deleteEndpoint('ghost', 'prod'), false);
      assert.equal(await store.deleteRuntime('ghost'), false);
    });

    it('pins and moves endpoints while DEFAULT follows the latest version', async () => {
      await store.createRuntime('gamma', spec('g1.js'));
      await store.updateRuntime('gamma', spec('g2.js'));
      let record = await store.setEndpoint('gamma', 'prod', 1);
      assert.deepEqual(record.endpoints, { DEFAULT: 2, prod: 1 });
      await store.setEndpoint('gamma', 'canary', 2);
      record = await store.setEndpoint('gamma', 'prod', 2);
      assert.deepEqual(record.endpoints, { DEFAULT: 2, canary: 2, prod: 2 });
      record = await store.updateRuntime('gamma', spec('g3.js'));
      assert.deepEqual(record.endpoints, { DEFAULT: 3, canary: 2, prod: 2 });
      await rejectsWith(store.setEndpoint('gamma', 'prod', 9), 'not_found');
      await rejectsWith(store.setEndpoint('gamma', 'prod', 0), 'not_found');
      await rejectsWith(store.setEndpoint('gamma', 'DEFAULT', 1), 'invalid');
      assert.equal(await store.deleteEndpoint('gamma', 'canary'), true);
      assert.equal(await store.deleteEndpoint('gamma', 'canary'), false);
      assert.deepEqual((await store.getRuntime('gamma'))?.endpoints, { DEFAULT: 3, prod: 2 });
    });

    it('lists runtimes by name with their endpoints', async () => {
      const list = await store.listRuntimes();
      const names = list.map((r) => r.name);
      assert.deepEqual(names, [...names].sort());
      assert.deepEqual(list.find((r) => r.name === 'gamma')?.endpoints, { DEFAULT: 3, prod: 2 });
      assert.deepEqual(
        list.find((r) => r.name === 'alpha'),
        await store.getRuntime('alpha'),
      );
    });

    it('deletes a runtime with its versions and endpoints', async () => {
      await store.createRuntime('doomed', spec('x1.js'));
      await store.updateRuntime('doomed', spec('x2.js'));
      await store.setEndpoint('doomed', 'prod', 1);
      assert.equal(await store.deleteRuntime('doomed'), true);
      assert.equal(await store.getRuntime('doomed'), undefined);
      assert.deepEqual(await store.listRuntimeVersions('doomed'), []);
      assert.ok(!(await store.listRuntimes()).some((r) => r.name === 'doomed'));
      // Recreating starts over at version 1 with no stale endpoints.
      const again = await store.createRuntime('doomed', spec('y.js'));
      assert.equal(again.latestVersion, 1);
      assert.deepEqual(again.endpoints, { DEFAULT: 1 });
    });

    it('keeps state across close and reopen', async () => {
      const before = await store.listRuntimes();
      await store.close();
      store = await openStore(location);
      assert.deepEqual(await store.listRuntimes(), before);
      assert.deepEqual((await store.getRuntimeVersion('beta', 2))?.spec, spec('b2.js'));
      assert.equal((await store.updateRuntime('beta', spec('b4.js'))).latestVersion, 4);
    });

    it('migrates a fresh location safely when opened concurrently', async () => {
      const fresh = newLocation();
      const stores = await Promise.all([openStore(fresh), openStore(fresh), openStore(fresh)]);
      try {
        await stores[0]!.createRuntime('concurrent', spec('s.js'));
        assert.equal((await stores[2]!.getRuntime('concurrent'))?.latestVersion, 1);
      } finally {
        await Promise.all(stores.map((s) => s.close()));
      }
    });

    it('runs portable SQL for other parts, with all-or-nothing batches', async () => {
      const { sql } = store;
      await sql.run('CREATE TABLE sql_probe (k TEXT PRIMARY KEY, n INTEGER NOT NULL, flag INTEGER)');
      assert.equal(await sql.run('INSERT INTO sql_probe (k, n, flag) VALUES (?, ?, ?)', ['a', 1, true]), 1);
      assert.deepEqual(await sql.get('SELECT k, n, flag FROM sql_probe WHERE k = ?', ['a']), { k: 'a', n: 1, flag: 1 });
      await assert.rejects(
        sql.batch([
          { sql: 'INSERT INTO sql_probe (k, n) VALUES (?, ?)', params: ['b', 2] },
          { sql: 'INSERT INTO sql_probe (k, n) VALUES (?, ?)', params: ['a', 3] },
        ]),
      );
      assert.deepEqual(await sql.all('SELECT k FROM sql_probe ORDER BY k'), [{ k: 'a' }], 'the failed batch left nothing behind');
      assert.deepEqual(
        await sql.batch([
          { sql: 'INSERT INTO sql_probe (k, n) VALUES (?, ?) ON CONFLICT (k) DO UPDATE SET n = excluded.n', params: ['a', 5] },
          { sql: 'DELETE FROM sql_probe WHERE k = ?', params: ['missing'] },
        ]),
        [1, 0],
      );
      assert.equal((await sql.get<{ n: number }>('SELECT n FROM sql_probe WHERE k = ?', ['a']))?.n, 5);
      assert.equal(await sql.get('SELECT k FROM sql_probe WHERE k = ?', ['missing']), undefined);
    });
  });
}

const tempDir = mkdtempSync(join(tmpdir(), 'toolport-store-'));
storeSuite(
  'sqlite',
  () => join(tempDir, 'nested', `${randomBytes(4).toString('hex')}.db`),
  async () => rmSync(tempDir, { recursive: true, force: true }),
);

const schemas: string[] = [];
storeSuite(
  'postgres',
  () => {
    const schema = `toolport_test_${randomBytes(6).toString('hex')}`;
    schemas.push(schema);
    return `${PG_URL}?schema=${schema}`;
  },
  async () => {
    const client = new pg.Client({ connectionString: PG_URL });
    await client.connect();
    try {
      for (const schema of schemas) await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    } finally {
      await client.end();
    }
  },
);

describe('postgres store errors', () => {
  it('reports an unreachable server as unavailable without leaking the password', async () => {
    const started = Date.now();
    const err = await openStore('postgres://postgres:hunter2secret@127.0.0.1:1/x').then(
      () => assert.fail('expected the open to fail'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof StoreError, String(err));
    assert.equal(err.code, 'unavailable');
    assert.match(err.message, /^cannot reach PostgreSQL at 127\.0\.0\.1:1: /);
    assert.ok(!err.message.includes('hunter2secret'), err.message);
    assert.ok(Date.now() - started < 5000, 'should fail fast');
  });

  it('rejects an unsafe schema name as invalid', async () => {
    await rejectsWith(openStore(`${PG_URL}?schema=bad;drop`), 'invalid');
  });
});
