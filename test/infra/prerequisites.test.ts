// scripts/prerequisites.mjs, which `npm test` runs first: silent when the machine has everything, and otherwise
// stopping within seconds with the exact command that fixes each missing piece.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Teardown } from '../helpers/teardown.js';

interface Check {
  code: number;
  stderr: string;
  seconds: number;
}

/** Runs the checker with `env` over the test's own environment, killed after 20 s. */
function checkPrerequisites(env: Record<string, string>): Promise<Check> {
  const started = Date.now();
  return new Promise((resolve) => {
    execFile(process.execPath, ['scripts/prerequisites.mjs'], { env: { ...process.env, ...env }, timeout: 20_000 }, (error, _stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
      resolve({ code, stderr, seconds: (Date.now() - started) / 1000 });
    });
  });
}

/** A loopback port nothing listens on (taken, then given back). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('npm test prerequisites', () => {
  const teardown = new Teardown();
  let emptyPath: string;
  before(() =>
    teardown.setup(async () => {
      emptyPath = await mkdtemp(join(tmpdir(), 'toolport-empty-path-'));
      teardown.add(() => rm(emptyPath, { recursive: true, force: true }));
    }),
  );
  after(() => teardown.run());

  it('passes silently when Chromium, PostgreSQL, Redis and bwrap are all there', async () => {
    const check = await checkPrerequisites({});
    assert.equal(check.code, 0, check.stderr);
    assert.equal(check.stderr, '');
    assert.ok(check.seconds < 10, `took ${check.seconds} s`);
  });

  it('without anything and without a way to install, stops within seconds naming every fix', async () => {
    const check = await checkPrerequisites({
      PATH: emptyPath,
      TOOLPORT_CHROMIUM: '/nonexistent/chromium',
      TOOLPORT_TEST_POSTGRES_URL: `postgres://postgres@127.0.0.1:${await closedPort()}/test`,
      TOOLPORT_TEST_REDIS_URL: `redis://127.0.0.1:${await closedPort()}`,
    });
    assert.equal(check.code, 1);
    assert.ok(check.seconds < 10, `took ${check.seconds} s`);
    assert.match(check.stderr, /installing needs root and apt-get/);
    assert.match(
      check.stderr,
      /Chromium is not at \/nonexistent\/chromium .*Fix: apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium/,
    );
    assert.match(check.stderr, /bubblewrap \(bwrap\) is not on PATH .*Fix: .*apt-get install -y bubblewrap/);
    assert.match(
      check.stderr,
      /Redis at redis:\/\/127\.0\.0\.1:\d+ does not answer PING \(ECONNREFUSED\)\. Fix: .*apt-get install -y redis-server && redis-server --daemonize yes --bind 127\.0\.0\.1 --port 6379 --save "" --appendonly no/,
    );
    assert.match(
      check.stderr,
      /PostgreSQL at 127\.0\.0\.1:\d+\/test refused the tests \(.*ECONNREFUSED.*\)\. Fix: .*pg_ctlcluster --skip-systemctl-redirect \S+ main start/,
    );
    assert.doesNotMatch(check.stderr, /\n\s+at /, 'no stack trace');
  });

  it('names the command that creates a missing test database', async () => {
    const check = await checkPrerequisites({ TOOLPORT_TEST_POSTGRES_URL: 'postgres://postgres@127.0.0.1:5432/toolport_no_such_database' });
    assert.equal(check.code, 1);
    assert.match(
      check.stderr,
      /PostgreSQL at 127\.0\.0\.1:5432\/toolport_no_such_database refused the tests \(database "toolport_no_such_database" does not exist\)\. Fix: su postgres -c "createdb toolport_no_such_database"/,
    );
  });
});
