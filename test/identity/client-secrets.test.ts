// Password and client-secret checks. Client secrets: stored as keyed HMAC-SHA-256 digests (legacy scrypt hashes upgraded on their next success), and
// failed client authentications braked per source address over real HTTP, so a flood cannot lock the real client out.
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { randomBytes } from 'node:crypto';
import { Directory } from '../../src/identity/server/directory.js';
import { hashSecret } from '../../src/identity/server/passwords.js';
import { SignInThrottled } from '../../src/identity/server/throttle.js';
import { testPlatform } from '../helpers/platform.js';
import { identityApi } from './server-helpers.js';

/** A client_credentials request sent from `localAddress` (any 127.0.0.0/8 address reaches the loopback listener). */
function tokenFrom(
  localAddress: string,
  url: string,
  clientId: string,
  secret: string,
  forwardedFor?: string,
): Promise<{ status: number; retryAfter?: string; error?: string }> {
  const body = new URLSearchParams({ grant_type: 'client_credentials', client_id: clientId, client_secret: secret }).toString();
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: 'POST',
        localAddress,
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          'content-length': Buffer.byteLength(body),
          ...(forwardedFor ? { 'x-forwarded-for': forwardedFor } : {}),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const answer = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { error?: string };
          const retryAfter = res.headers['retry-after'];
          resolve({ status: res.statusCode ?? 0, ...(retryAfter ? { retryAfter } : {}), ...(answer.error ? { error: answer.error } : {}) });
        });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

describe('client secrets', () => {
  let platform: Awaited<ReturnType<typeof testPlatform>>;
  let tokenUrl: string;
  before(async () => {
    platform = await testPlatform();
    tokenUrl = `${platform.url}/identity/token`;
    assert.equal((await identityApi(platform, 'POST', '/resource-servers', { identifier: 'gateway', scopes: ['read'] })).status, 201);
  });
  after(() => platform.stop());

  const storedHash = async (clientId: string): Promise<string> =>
    (
      (await platform.store.sql.get<{ secret_hash: string }>('SELECT secret_hash FROM identity_clients WHERE client_id = ?', [clientId])) as {
        secret_hash: string;
      }
    ).secret_hash;

  test('are stored as keyed digests, and a legacy scrypt hash becomes one on its next successful check', async () => {
    const secret = (await identityApi(platform, 'POST', '/clients', { clientId: 'legacy', grants: ['client_credentials'], scopes: ['gateway/read'] })).body
      .secret as string;
    assert.match(await storedHash('legacy'), /^hmac-sha256\$[A-Za-z0-9_-]{43}$/);
    assert.equal((await tokenFrom('127.0.0.3', tokenUrl, 'legacy', secret)).status, 200);
    await platform.store.sql.run('UPDATE identity_clients SET secret_hash = ? WHERE client_id = ?', [await hashSecret(secret), 'legacy']);
    assert.equal((await tokenFrom('127.0.0.3', tokenUrl, 'legacy', `${secret}x`)).status, 401);
    assert.match(await storedHash('legacy'), /^scrypt\$/, 'a wrong secret changes nothing');
    assert.equal((await tokenFrom('127.0.0.3', tokenUrl, 'legacy', secret)).status, 200);
    assert.match(await storedHash('legacy'), /^hmac-sha256\$/, 'upgraded once the secret matched');
    assert.equal((await tokenFrom('127.0.0.3', tokenUrl, 'legacy', secret)).status, 200);
  });

  test('a flood of wrong secrets locks its source address (429, Retry-After), not the client, which still gets tokens', async () => {
    const secret = (await identityApi(platform, 'POST', '/clients', { clientId: 'victim', grants: ['client_credentials'], scopes: ['gateway/read'] })).body
      .secret as string;
    const attempts = [];
    // A new X-Forwarded-For each time: the source is the connection's address, never one the caller writes.
    for (let i = 0; i < 8; i++) attempts.push(await tokenFrom('127.0.0.2', tokenUrl, 'victim', `wrong-secret-${i}`, `10.0.0.${i}`));
    assert.deepEqual(
      attempts.slice(0, 5).map((a) => a.status),
      [401, 401, 401, 401, 401],
      'five free failures',
    );
    const locked = attempts[6];
    assert.equal(locked?.status, 429);
    assert.equal(locked?.error, 'temporarily_unavailable');
    assert.match(locked?.retryAfter ?? '', /^[1-9][0-9]*$/);
    assert.equal((await tokenFrom('127.0.0.2', tokenUrl, 'victim', secret)).status, 429, 'the locked address is refused before its secret is checked');
    assert.equal((await tokenFrom('127.0.0.1', tokenUrl, 'victim', secret)).status, 200, 'the client itself, from its own address, is not locked out');
    assert.equal((await tokenFrom('127.0.0.4', tokenUrl, 'nobody', 'no-such-client-secret')).status, 401, 'unknown clients fail like wrong secrets');
  });
});

test('password checks beyond the bounded KDF queue fail at once with a retry hint instead of queueing', async () => {
  const platform = await testPlatform();
  try {
    const directory = new Directory(platform.store.sql, randomBytes(32));
    // Distinct unknown names, so the per-name brake plays no part: each still pays for one scrypt check.
    const outcomes = await Promise.allSettled(Array.from({ length: 14 }, (_, i) => directory.users.authenticate(`nobody-${i}`, 'wrong password')));
    const refused = outcomes.filter((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected');
    assert.ok(refused.length >= 1, 'some checks were refused rather than queued');
    for (const { reason } of refused) {
      assert.ok(reason instanceof SignInThrottled);
      assert.equal(reason.retryAfterSeconds, 1);
      assert.equal(reason.message, 'too many sign-ins are being checked right now; try again in 1 s');
    }
    assert.ok(
      outcomes.some((outcome) => outcome.status === 'fulfilled' && outcome.value === undefined),
      'the checks in the queue ran and failed as wrong passwords',
    );
  } finally {
    await platform.stop();
  }
});
