// Secrets at rest: the master key (env or 0600 file), AES-256-GCM sealing, scrypt hashes of passwords and client secrets.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadMasterKey, open, seal } from '../../src/identity/master-key.js';
import { hashSecret, verifySecret } from '../../src/identity/server/passwords.js';

test('master key file is created 0600 on first start and reused after', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'toolport-mk-'));
  try {
    const first = await loadMasterKey(join(dir, 'data'), {});
    assert.equal(first.length, 32);
    const info = await stat(join(dir, 'data', 'master.key'));
    assert.equal(info.mode & 0o777, 0o600);
    assert.deepEqual(await loadMasterKey(join(dir, 'data'), {}), first);
    assert.equal(Buffer.from((await readFile(join(dir, 'data', 'master.key'), 'utf8')).trim(), 'base64').length, 32);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('TOOLPORT_MASTER_KEY wins over the file and must hold 32 bytes', async () => {
  const key = Buffer.alloc(32, 7);
  assert.deepEqual(await loadMasterKey('/nonexistent', { TOOLPORT_MASTER_KEY: key.toString('base64') }), key);
  await assert.rejects(loadMasterKey('/nonexistent', { TOOLPORT_MASTER_KEY: 'c2hvcnQ=' }), /32 bytes/);
});

test('seal/open round-trips and refuses another key or an altered value', () => {
  const key = Buffer.alloc(32, 1);
  const sealed = seal(key, 'private key material');
  assert.doesNotMatch(sealed, /private/);
  assert.equal(open(key, sealed).toString(), 'private key material');
  assert.notEqual(seal(key, 'x'), seal(key, 'x'));
  assert.throws(() => open(Buffer.alloc(32, 2), sealed), /another master key/);
  const altered = sealed.slice(0, -2) + (sealed.endsWith('A') ? 'BB' : 'AA');
  assert.throws(() => open(key, altered), /altered/);
});

test('secrets are scrypt-hashed with per-hash salt; a burst of checks all complete, wrong ones fail', async () => {
  const hash = await hashSecret('correct horse battery');
  assert.match(hash, /^scrypt\$131072\$8\$1\$[\w-]{22}\$[\w-]{43}$/);
  assert.notEqual(await hashSecret('correct horse battery'), hash, 'a fresh salt each time');
  // More checks than may run at once: they queue for the KDF slots instead of allocating 128 MiB each together.
  const results = await Promise.all(Array.from({ length: 5 }, (_, i) => verifySecret(i % 2 ? 'correct horse battery' : 'wrong', hash)));
  assert.deepEqual(results, [false, true, false, true, false]);
  assert.equal(await verifySecret('anything', 'not-a-hash'), false);
});
