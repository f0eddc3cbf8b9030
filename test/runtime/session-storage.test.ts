import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { AGENTCORE_SESSION_HEADER } from '../../src/runtime/index.js';
import { eventually, invocationUrl, testPlatform, textOf } from '../helpers/platform.js';
import { startTestIssuer, type TestIssuer } from '../helpers/issuer.js';
import { toolport } from '../helpers/cli.js';
import { closeAll } from '../helpers/teardown.js';

type Platform = Awaited<ReturnType<typeof testPlatform>>;
type Revision = '2025-11-25' | '2026-07-28';

const HOME_TOOLS = fileURLToPath(new URL('../fixtures/home-files.ts', import.meta.url));
const MCP_HEADERS = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
const ENVELOPE = {
  'io.modelcontextprotocol/protocolVersion': '2026-07-28',
  'io.modelcontextprotocol/clientInfo': { name: 'raw', version: '1' },
  'io.modelcontextprotocol/clientCapabilities': {},
};
/** A reaped session's worker is gone within a reaper tick or two of its idle timeout. */
const REAPED_WITHIN_MS = 10_000;

describe('session storage: a HOME that outlives its worker (sessions.storage)', () => {
  let issuer: TestIssuer;
  let platform: Platform;
  const tokens: Record<'alice' | 'mallory', string> = { alice: '', mallory: '' };
  const clients: Client[] = [];

  /** An SDK client of `revision` on `runtime`, in the AgentCore session `id`, as `caller` (open runtimes: nobody). */
  async function attach(runtime: string, id: string, revision: Revision = '2025-11-25', caller?: 'alice' | 'mallory'): Promise<Client> {
    const client = new Client({ name: 'storage-test', version: '1' }, revision === '2026-07-28' ? { versionNegotiation: { mode: { pin: revision } } } : {});
    const headers: Record<string, string> = { [AGENTCORE_SESSION_HEADER]: id, ...(caller ? { authorization: `Bearer ${tokens[caller]}` } : {}) };
    await client.connect(new StreamableHTTPClientTransport(invocationUrl(platform, runtime), { requestInit: { headers } }));
    clients.push(client);
    return client;
  }

  async function call(client: Client, name: string, args: Record<string, unknown>): Promise<string> {
    return textOf(await client.callTool({ name, arguments: args }));
  }

  /** Resolves once the session's worker was reaped and its HOME is listed as stored. */
  async function stored(runtime: string, id: string): Promise<void> {
    await eventually(
      async () =>
        !platform.runtimes.listSessions(runtime).some((s) => s.id === id) && (await platform.runtimes.listStoredSessions(runtime)).some((s) => s.id === id),
      REAPED_WITHIN_MS,
      `session ${id} to be reaped and stored`,
    );
  }

  /** The HTTP status of a session's first request on `kept`: initialize (2025-11-25) or a tools/call (2026-07-28). */
  async function firstRequestStatus(id: string, revision: Revision, caller: 'alice' | 'mallory'): Promise<number> {
    const message =
      revision === '2025-11-25'
        ? { method: 'initialize', params: { protocolVersion: revision, capabilities: {}, clientInfo: { name: 'raw', version: '1' } } }
        : { method: 'tools/call', params: { name: 'read_home', arguments: { name: 'note.txt' }, _meta: ENVELOPE } };
    const modern: Record<string, string> =
      revision === '2026-07-28' ? { 'mcp-protocol-version': revision, 'mcp-method': 'tools/call', 'mcp-name': 'read_home' } : {};
    const response = await fetch(invocationUrl(platform, 'kept'), {
      method: 'POST',
      headers: { ...MCP_HEADERS, ...modern, [AGENTCORE_SESSION_HEADER]: id, authorization: `Bearer ${tokens[caller]}` },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, ...message }),
    });
    await response.body?.cancel();
    return response.status;
  }

  const folderOf = (runtime: string, id: string): string => join(platform.dataDir, 'sessions', runtime, id);
  const exists = (path: string): Promise<boolean> =>
    stat(path).then(
      () => true,
      () => false,
    );

  before(async () => {
    issuer = await startTestIssuer();
    platform = await testPlatform();
    const jwt = { discoveryUrl: issuer.discoveryUrl, allowedAudiences: ['toolport-runtime'] };
    const sessions = { warmPool: 0, idleTimeout: '1s', storage: { persist: true, maxMb: 2 } };
    await platform.control.createRuntime('kept', { module: HOME_TOOLS, auth: { jwt }, sessions });
    await platform.control.createRuntime('kept-process', { module: HOME_TOOLS, isolation: 'process', sessions });
    await platform.control.createRuntime('brief', { module: HOME_TOOLS, sessions: { ...sessions, storage: { persist: true, expireAfter: '1s' } } });
    tokens.alice = await issuer.mint({ sub: 'alice', aud: 'toolport-runtime' });
    tokens.mallory = await issuer.mint({ sub: 'mallory', aud: 'toolport-runtime' });
  });
  after(() =>
    closeAll(
      ...clients.map((client) => () => client.close()),
      () => platform?.stop(),
      () => issuer?.close(),
    ),
  );

  for (const revision of ['2025-11-25', '2026-07-28'] as const) {
    it(`mounts a reaped session's HOME again for its owner only (${revision}, sandbox)`, async () => {
      const id = `kept-${revision.replaceAll('-', '')}-session`;
      await call(await attach('kept', id, revision, 'alice'), 'write_home', { name: 'note.txt', text: 'from alice' });
      await stored('kept', id);
      const folder = await stat(folderOf('kept', id));
      assert.equal(folder.mode & 0o777, 0o700);

      // Another principal naming the same session id gets no worker and none of alice's files.
      assert.equal(await firstRequestStatus(id, revision, 'mallory'), 404);
      await assert.rejects(async () => call(await attach('kept', id, revision, 'mallory'), 'read_home', { name: 'note.txt' }));
      assert.ok(!platform.runtimes.listSessions('kept').some((s) => s.id === id), 'mallory got no session');

      const again = await attach('kept', id, revision, 'alice');
      assert.equal(await call(again, 'read_home', { name: 'note.txt' }), 'from alice');
      // Live again: its size shows, and mallory is still refused.
      assert.equal(platform.runtimes.listSessions('kept').find((s) => s.id === id)?.state, 'live');
      await assert.rejects(async () => call(await attach('kept', id, revision, 'mallory'), 'read_home', { name: 'note.txt' }));
      await stored('kept', id);
    });
  }

  it('keeps the host folder that is HOME under isolation: process', async () => {
    const id = 'process-home-session';
    await call(await attach('kept-process', id), 'write_home', { name: 'note.txt', text: 'on the host' });
    await stored('kept-process', id);
    assert.ok(await exists(join(folderOf('kept-process', id), 'home', 'note.txt')));
    assert.equal(await call(await attach('kept-process', id), 'read_home', { name: 'note.txt' }), 'on the host');
  });

  it('deletes a stored HOME on DELETE /api/runtimes/{name}/sessions/{id}: 204, then 404, and the next attach starts empty', async () => {
    const id = 'deleted-home-session';
    await call(await attach('kept', id, '2025-11-25', 'alice'), 'write_home', { name: 'note.txt', text: 'gone soon' });
    await stored('kept', id);
    const stop = (): Promise<Response> =>
      fetch(`${platform.url}/api/runtimes/kept/sessions/${id}`, { method: 'DELETE', headers: { authorization: `Bearer ${platform.adminToken}` } });
    assert.equal((await stop()).status, 204);
    assert.ok(!(await exists(folderOf('kept', id))));
    assert.equal((await stop()).status, 404);
    assert.equal(await call(await attach('kept', id, '2025-11-25', 'alice'), 'read_home', { name: 'note.txt' }), '(missing)');
  });

  it('deletes a stored HOME once expireAfter has passed since its session ended', async () => {
    const id = 'expiring-home-session';
    await call(await attach('brief', id), 'write_home', { name: 'note.txt', text: 'short-lived' });
    await eventually(() => !platform.runtimes.listSessions('brief').some((s) => s.id === id), REAPED_WITHIN_MS, 'the session to be reaped');
    await eventually(async () => !(await exists(folderOf('brief', id))), 5_000, 'the stored HOME to expire');
    assert.deepEqual(await platform.runtimes.listStoredSessions('brief'), []);
    assert.equal(await call(await attach('brief', id), 'read_home', { name: 'note.txt' }), '(missing)');
  });

  it('ends a session whose HOME grows past maxMb, tells its caller, and keeps nothing', async () => {
    const id = 'overfull-home-session';
    const client = await attach('kept', id, '2025-11-25', 'alice');
    await assert.rejects(call(client, 'fill_home', { name: 'big.bin', megabytes: 3, holdMs: 10_000 }), /sessions\.storage\.maxMb/);
    await eventually(async () => !(await exists(folderOf('kept', id))), 5_000, 'the overfull HOME to be deleted');
    assert.ok(!(await platform.runtimes.listStoredSessions('kept')).some((s) => s.id === id));
  });

  it('lists live and stored sessions with their storage size in the CLI, and --stop deletes one', async () => {
    const id = 'listed-home-session';
    await call(await attach('kept-process', id), 'fill_home', { name: 'data.bin', megabytes: 1, holdMs: 0 });
    await stored('kept-process', id);
    const common = ['--server', platform.url, '--data-dir', platform.dataDir];
    const listing = await toolport(['runtime', 'sessions', 'kept-process', ...common]);
    assert.equal(listing.code, 0, listing.stderr);
    assert.match(listing.stdout, /STATE\s.*STORAGE/);
    assert.match(listing.stdout, new RegExp(`${id}\\s+stored\\s+1\\.\\d MiB`));
    const stopped = await toolport(['runtime', 'sessions', 'kept-process', '--stop', id, ...common]);
    assert.equal(stopped.code, 0, stopped.stderr);
    assert.match(stopped.stdout, new RegExp(`stopped ${id}`));
    assert.ok(!(await exists(folderOf('kept-process', id))));
    const missing = await toolport(['runtime', 'sessions', 'kept-process', '--stop', id, ...common]);
    assert.notEqual(missing.code, 0);
    assert.match(missing.stderr, /no session/);
  });
});
