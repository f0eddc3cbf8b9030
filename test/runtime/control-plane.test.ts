import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { GREET_COMMAND, connectRuntime, testPlatform, whoami } from '../helpers/platform.js';

const PG_ADMIN = 'postgres://postgres@127.0.0.1:5432/test';

/** The fields of control-plane answers these tests read. */
interface ApiBody {
  latestVersion: number;
  arn: string;
  endpoints: Record<string, number>;
  versions: { version: number; spec: { env: Record<string, string> } }[];
  error: { message: string; details: { path: string }[] };
}

async function api(
  platform: { url: string; adminToken: string },
  method: string,
  path: string,
  body?: unknown,
  token = platform.adminToken,
): Promise<{ status: number; body: ApiBody }> {
  const response = await fetch(`${platform.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, body: (text ? JSON.parse(text) : {}) as ApiBody };
}

describe('control plane REST API', () => {
  it('refuses callers without the admin token', async () => {
    const platform = await testPlatform();
    try {
      const none = await fetch(`${platform.url}/api/runtimes`);
      assert.equal(none.status, 401);
      assert.match(none.headers.get('www-authenticate') ?? '', /Bearer/);
      assert.equal((await api(platform, 'GET', '/api/runtimes', undefined, 'tpa_wrong')).status, 401);
    } finally {
      await platform.stop();
    }
  });

  it('creates, versions, pins endpoints, and deletes runtimes', async () => {
    const platform = await testPlatform();
    try {
      const created = await api(platform, 'POST', '/api/runtimes', { name: 'greet', command: GREET_COMMAND, env: { STAGE: 'one' }, sessions: { warmPool: 0 } });
      assert.equal(created.status, 201);
      assert.equal(created.body.latestVersion, 1);
      assert.equal(created.body.arn, 'arn:toolport:runtime:local:000000000000:runtime/greet');
      assert.equal((await api(platform, 'POST', '/api/runtimes', { name: 'greet', command: GREET_COMMAND })).status, 409);

      const updated = await api(platform, 'PUT', '/api/runtimes/greet', {
        command: GREET_COMMAND,
        env: { STAGE: 'two', EXTRA: '1' },
        sessions: { warmPool: 0 },
      });
      assert.equal(updated.body.latestVersion, 2);
      assert.deepEqual(updated.body.endpoints, { DEFAULT: 2 });
      const pinned = await api(platform, 'PUT', '/api/runtimes/greet/endpoints/prod', { version: 1 });
      assert.deepEqual(pinned.body.endpoints, { DEFAULT: 2, prod: 1 });

      // DEFAULT follows the latest version; prod stays on version 1.
      const latest = await connectRuntime(platform, 'greet');
      const prod = await connectRuntime(platform, 'greet', 'prod');
      assert.ok((await whoami(latest.client)).envKeys.includes('EXTRA'));
      assert.ok(!(await whoami(prod.client)).envKeys.includes('EXTRA'));
      await Promise.all([latest.transport.terminateSession(), prod.transport.terminateSession()]);

      const versions = await api(platform, 'GET', '/api/runtimes/greet/versions');
      assert.deepEqual(
        versions.body.versions.map((v) => v.version),
        [1, 2],
      );
      assert.equal(versions.body.versions[0]?.spec.env.STAGE, 'one', 'old versions are immutable');

      const bad = await api(platform, 'PUT', '/api/runtimes/greet', { command: [], sessions: { idleTimeout: 'soon' } });
      assert.equal(bad.status, 400);
      const paths = bad.body.error.details.map((d) => d.path);
      assert.ok(paths.includes('command') && paths.includes('sessions.idleTimeout'), JSON.stringify(paths));

      assert.equal((await api(platform, 'PUT', '/api/runtimes/greet/endpoints/prod', { version: 9 })).status, 404);
      assert.equal((await api(platform, 'PUT', '/api/runtimes/greet/endpoints/DEFAULT', { version: 1 })).status, 400);
      assert.equal((await api(platform, 'DELETE', '/api/runtimes/greet')).status, 204);
      assert.equal((await api(platform, 'GET', '/api/runtimes/greet')).status, 404);
    } finally {
      await platform.stop();
    }
  });

  it('refuses a runtime whose authorizer is misconfigured, instead of running it open', async () => {
    const platform = await testPlatform();
    try {
      const response = await api(platform, 'POST', '/api/runtimes', {
        name: 'guarded',
        command: GREET_COMMAND,
        auth: { sigv4: { region: 'US East' } },
      });
      assert.equal(response.status, 400);
      assert.ok(response.body.error.details.some((d) => d.path === 'auth.sigv4.region'));
      const open = await api(platform, 'POST', '/api/runtimes', {
        name: 'guarded',
        command: GREET_COMMAND,
        auth: { jwt: { discoveryUrl: 'http://127.0.0.1:1/.well-known/openid-configuration' } },
      });
      assert.equal(open.status, 400, 'a jwt authorizer without audiences or clients would accept any token of the issuer');
      assert.ok(open.body.error.details.some((d) => d.path === 'auth.jwt.allowedAudiences'));
    } finally {
      await platform.stop();
    }
  });
});

describe('control-plane state survives a restart', () => {
  const schema = `toolport_restart_${randomBytes(4).toString('hex')}`;
  after(async () => {
    const client = new pg.Client(PG_ADMIN);
    await client.connect();
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await client.end();
  });

  for (const backend of ['sqlite', 'postgres'] as const) {
    it(`keeps runtimes, versions and endpoints across a restart on ${backend}`, async () => {
      const dataDir = await mkdtemp(join(tmpdir(), 'toolport-restart-'));
      const store = backend === 'postgres' ? `${PG_ADMIN}?schema=${schema}` : undefined;
      try {
        const first = await testPlatform({ dataDir, ...(store ? { store } : {}) });
        await api(first, 'POST', '/api/runtimes', { name: 'keep', command: GREET_COMMAND, sessions: { warmPool: 0 } });
        await api(first, 'PUT', '/api/runtimes/keep', { command: GREET_COMMAND, env: { V: '2' }, sessions: { warmPool: 0 } });
        await api(first, 'PUT', '/api/runtimes/keep/endpoints/prod', { version: 1 });
        const token = first.adminToken;
        await first.stop();

        const second = await testPlatform({ dataDir, ...(store ? { store } : {}) });
        assert.equal(second.store.kind, backend);
        assert.equal(second.adminToken, token, 'the admin token is kept in the data dir');
        const record = await api(second, 'GET', '/api/runtimes/keep');
        assert.equal(record.body.latestVersion, 2);
        assert.deepEqual(record.body.endpoints, { DEFAULT: 2, prod: 1 });
        const { client, transport } = await connectRuntime(second, 'keep', 'prod');
        assert.ok(!(await whoami(client)).envKeys.includes('V'));
        await transport.terminateSession();
        await second.stop();
      } finally {
        await rm(dataDir, { recursive: true, force: true });
      }
    });
  }
});
