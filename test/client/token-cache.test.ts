import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TokenCache } from '../../src/client/index.js';
import { tokenSetSchema } from '../../src/client/auth/token-cache.js';

describe('token cache', () => {
  const dirs: string[] = [];
  after(() => Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true }))));

  it('keys an entry per issuer, client and scope set (scope order and a trailing slash do not matter)', () => {
    const base = { issuer: 'https://cognito-idp.us-east-1.amazonaws.com/us-east-1_abc', clientId: 'app', scope: 'gateway/read gateway/write' };
    assert.equal(TokenCache.key(base), TokenCache.key({ ...base, issuer: `${base.issuer}/`, scope: 'gateway/write  gateway/read' }));
    const others = [
      { ...base, issuer: 'https://issuer.example' },
      { ...base, clientId: 'other' },
      { ...base, scope: 'gateway/read' },
      { ...base, username: 'alice' },
    ];
    assert.equal(new Set([TokenCache.key(base), ...others.map((parts) => TokenCache.key(parts))]).size, 5);
    assert.match(TokenCache.key(base), /^[0-9a-f]{40}$/, 'a hash: no issuer or user name in file names');
  });

  it('writes 0600 files in a 0700 folder, ignores a broken file, and clears', async () => {
    const dir = join(await mkdtemp(join(tmpdir(), 'toolport-cache-')), 'tokens');
    dirs.push(dir);
    const cache = new TokenCache(dir);
    const entry = { accessToken: 'a', issuer: 'https://issuer.example', clientId: 'c', expiresAt: 1 };
    await cache.save('one', entry);
    assert.equal((await stat(join(dir, 'one.json'))).mode & 0o777, 0o600);
    assert.equal((await stat(dir)).mode & 0o777, 0o700);
    assert.deepEqual(await cache.load('one', tokenSetSchema), entry);
    await writeFile(join(dir, 'two.json'), '{"accessToken":', { mode: 0o600 });
    assert.equal(await cache.load('two', tokenSetSchema), undefined);
    assert.equal(await cache.load('missing', tokenSetSchema), undefined);
    assert.equal(await cache.remove('one'), true);
    assert.equal(await cache.remove('one'), false);
    assert.equal(await cache.clear(), 1);
    assert.deepEqual(
      (await readdir(dir)).filter((name) => !name.startsWith('.')),
      [],
    );
  });
});
