import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '../../src/log/index.js';
import { SessionStorage } from '../../src/runtime/session-storage.js';

const OWNER = JSON.stringify(['https://issuer.example', 'alice', null]);
const log = createLogger('error');

describe('stored sessions across a restart of the platform', () => {
  const roots: string[] = [];
  after(() => Promise.all(roots.map((root) => rm(root, { recursive: true, force: true }))));

  async function storageRoot(): Promise<string> {
    const root = await mkdtemp(join(tmpdir(), 'toolport-storage-'));
    roots.push(root);
    return root;
  }

  it('keeps a HOME for its owner, deletes expired ones and leftovers without a record at start, and names no owner on disk', async () => {
    const root = await storageRoot();
    const key = randomBytes(32);
    const before = new SessionStorage(root, key, log);
    const kept = await before.attach('rt', 'kept-session-0001', OWNER, { persist: true, maxMb: 1, expireAfter: 60_000 });
    await writeFile(join(kept, 'note.txt'), 'still here');
    await before.detach('rt', 'kept-session-0001', { persist: true, maxMb: 1, expireAfter: 60_000 }, Promise.resolve());
    await before.attach('rt', 'stale-session-0001', OWNER, { persist: true, maxMb: 1, expireAfter: 0 });
    await before.detach('rt', 'stale-session-0001', { persist: true, maxMb: 1, expireAfter: 0 }, Promise.resolve());
    await mkdir(join(root, 'rt', 'torn-session-0001', 'home'), { recursive: true });
    assert.ok(!(await readFile(join(root, 'rt', 'kept-session-0001', 'session.json'), 'utf8')).includes('alice'), 'the owner is an HMAC');

    const restarted = new SessionStorage(root, key, log);
    assert.deepEqual(
      (await restarted.list('rt')).map((session) => session.id),
      ['kept-session-0001'],
    );
    const gone = (id: string): Promise<boolean> =>
      stat(join(root, 'rt', id)).then(
        () => false,
        () => true,
      );
    assert.ok(await gone('stale-session-0001'), 'expired at start');
    assert.ok(await gone('torn-session-0001'), 'a folder without its record is deleted');
    await assert.rejects(
      restarted.attach('rt', 'kept-session-0001', JSON.stringify(['https://issuer.example', 'mallory', null]), {
        persist: true,
        maxMb: 1,
        expireAfter: 60_000,
      }),
      /does not exist/,
    );
    const home = await restarted.attach('rt', 'kept-session-0001', OWNER, { persist: true, maxMb: 1, expireAfter: 60_000 });
    assert.equal(await readFile(join(home, 'note.txt'), 'utf8'), 'still here');
  });

  it('does not keep a HOME past maxMb', async () => {
    const storage = new SessionStorage(await storageRoot(), randomBytes(32), log);
    const spec = { persist: true, maxMb: 1, expireAfter: 60_000 };
    const home = await storage.attach('rt', 'full-session-00001', undefined, spec);
    await writeFile(join(home, 'big.bin'), Buffer.alloc(2 * 1024 * 1024, 1));
    await storage.detach('rt', 'full-session-00001', spec, Promise.resolve());
    assert.deepEqual(await storage.list('rt'), []);
  });
});
