import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startHttpServer, type RunningHttpServer } from '../../examples/conformance/server.js';
import { GREET_COMMAND, testPlatform } from '../helpers/platform.js';
import { api, connectGateway, textOf, type Era } from './helpers.js';
import { startUpstream, textTools, type Upstream } from './upstream.js';
import { closeAll } from '../helpers/teardown.js';

type Platform = Awaited<ReturnType<typeof testPlatform>>;
const TSX = ['node', '--import', 'tsx'];

describe('a gateway fronting mcp targets (runtime, remote URL, stdio)', () => {
  let platform: Platform;
  let conformance: RunningHttpServer;
  let legacyUpstream: Upstream;

  before(async () => {
    platform = await testPlatform();
    conformance = await startHttpServer({ port: 0, onerror: () => undefined });
    legacyUpstream = await startUpstream({ tools: textTools('ping_back'), legacyOnly: true });
    await platform.control.createRuntime('greet', { command: GREET_COMMAND, sessions: { warmPool: 1 } });
    const created = await api(platform, 'POST', '/gateways', {
      name: 'mix',
      targets: [
        { name: 'greet', type: 'mcp', runtime: 'greet' },
        { name: 'conf', type: 'mcp', url: conformance.url },
        { name: 'old', type: 'mcp', command: [...TSX, 'test/fixtures/legacy-only-server.ts'] },
        { name: 'new', type: 'mcp', command: [...TSX, 'test/fixtures/modern-only-server.ts'] },
        { name: 'sess', type: 'mcp', url: legacyUpstream.url },
      ],
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    for (const target of created.body.targets) assert.equal(target.stale, false, `${target.name} synced: ${target.lastError ?? ''}`);
  });
  after(() =>
    closeAll(
      () => platform?.stop(),
      () => conformance?.close(),
      () => legacyUpstream?.close(),
    ),
  );

  for (const era of ['legacy', 'modern'] as Era[]) {
    it(`lists every target's tools as {target}___{tool} to a ${era} client`, async () => {
      const client = await connectGateway(platform, 'mix', { era });
      const names = (await client.listTools()).tools.map((tool) => tool.name);
      for (const expected of ['greet___greet_user', 'conf___test_simple_text', 'old___shout', 'new___whisper', 'sess___ping_back'])
        assert.ok(names.includes(expected), expected);
      assert.ok(
        names.every((name) => name.includes('___')),
        'no unprefixed tool (search is off)',
      );
      await client.close();
    });

    it(`calls a runtime, a remote server and both stdio eras for a ${era} client`, async () => {
      const client = await connectGateway(platform, 'mix', { era });
      assert.equal(
        textOf(await client.callTool({ name: 'greet___greet_user', arguments: { name: 'Ada' } })),
        'Hello, Ada! Nice to meet you. This is a test message.',
      );
      assert.equal(textOf(await client.callTool({ name: 'old___shout', arguments: { text: 'quiet' } })), 'QUIET', '2025-11-25-only server');
      assert.equal(textOf(await client.callTool({ name: 'new___whisper', arguments: { text: 'LOUD' } })), 'loud', '2026-07-28-only server');
      assert.match(textOf(await client.callTool({ name: 'conf___test_simple_text', arguments: {} })), /simple text/i);
      await client.close();
    });
  }

  it('forwards progress notifications of a long call', async () => {
    const client = await connectGateway(platform, 'mix');
    const seen: number[] = [];
    const result = await client.callTool({ name: 'greet___slow_count', arguments: { steps: 3, intervalMs: 20 } }, { onprogress: (p) => seen.push(p.progress) });
    assert.equal(textOf(result), 'counted to 3');
    assert.deepEqual(seen, [1, 2, 3]);
    await client.close();
  });

  it('cancels the upstream call when the caller cancels', async () => {
    const client = await connectGateway(platform, 'mix', { era: 'modern' });
    const abort = new AbortController();
    const started = Date.now();
    const call = client.callTool({ name: 'greet___slow_count', arguments: { steps: 100, intervalMs: 200 } }, { signal: abort.signal });
    setTimeout(() => abort.abort(), 300);
    await assert.rejects(call);
    assert.ok(Date.now() - started < 5_000, 'the cancelled call ends at once, not after 20 s');
    // The shared upstream session is still usable after a cancellation.
    assert.equal(textOf(await client.callTool({ name: 'greet___echo', arguments: { text: 'still here' } })), 'still here');
    await client.close();
  });

  it('serves resources, resource templates and prompts of a target', async () => {
    const client = await connectGateway(platform, 'mix');
    const resources = (await client.listResources()).resources.map((r) => r.uri);
    assert.ok(resources.includes('test://static-text'));
    const read = await client.readResource({ uri: 'test://static-text' });
    assert.equal((read.contents[0] as { text: string }).text, 'This is the content of the static text resource.');
    const templates = (await client.listResourceTemplates()).resourceTemplates.map((t) => t.uriTemplate);
    assert.ok(templates.includes('test://template/{id}/data'));
    const templated = await client.readResource({ uri: 'test://template/42/data' });
    assert.match((templated.contents[0] as { text: string }).text, /Data for ID: 42/);
    const prompts = (await client.listPrompts()).prompts.map((p) => p.name);
    assert.ok(prompts.includes('conf___test_simple_prompt'));
    const prompt = await client.getPrompt({ name: 'conf___test_simple_prompt' });
    assert.ok(prompt.messages.length > 0);
    await client.close();
  });

  it('re-opens an upstream session the server forgot (404) and completes the call', async () => {
    const client = await connectGateway(platform, 'mix');
    assert.match(textOf(await client.callTool({ name: 'sess___ping_back', arguments: { text: 'one' } })), /ping_back/);
    const opened = legacyUpstream.sessionsOpened;
    legacyUpstream.forgetSessions();
    assert.match(textOf(await client.callTool({ name: 'sess___ping_back', arguments: { text: 'two' } })), /two/);
    assert.equal(legacyUpstream.sessionsOpened, opened + 1, 'one new upstream session');
    await client.close();
  });

  it('keeps one upstream session per target for all callers', async () => {
    const opened = legacyUpstream.sessionsOpened;
    const clients = await Promise.all([connectGateway(platform, 'mix'), connectGateway(platform, 'mix', { era: 'modern' })]);
    await Promise.all(clients.map((client, i) => client.callTool({ name: 'sess___ping_back', arguments: { text: `caller ${i}` } })));
    assert.equal(legacyUpstream.sessionsOpened, opened, 'no new upstream session per caller');
    await Promise.all(clients.map((client) => client.close()));
  });
});
