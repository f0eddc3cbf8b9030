import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { toolport } from '../helpers/cli.js';
import { testPlatform } from '../helpers/platform.js';
import { api, connectGateway, textOf } from './helpers.js';
import { startUpstream, textTools } from './upstream.js';

const PG_ADMIN = 'postgres://postgres@127.0.0.1:5432/test';

describe('gateways across restarts, through the CLI and from toolport.yaml', () => {
  const schemas: string[] = [];
  after(async () => {
    const client = new pg.Client(PG_ADMIN);
    await client.connect();
    for (const schema of schemas) await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await client.end();
  });

  for (const backend of ['sqlite', 'postgres'] as const) {
    it(`keeps gateways, targets, catalogs and the audit log on ${backend}, and serves the stored list while the target is down`, async () => {
      const dataDir = await mkdtemp(join(tmpdir(), 'toolport-gw-'));
      const schema = `gw_${randomBytes(6).toString('hex')}`;
      if (backend === 'postgres') schemas.push(schema);
      const store = backend === 'postgres' ? `${PG_ADMIN}?schema=${schema}` : join(dataDir, 'gateway.db');
      let upstream = await startUpstream({ tools: textTools('keep_me', 'and_me') });
      const port = upstream.port;
      try {
        const first = await testPlatform({ dataDir, store });
        const cli = ['--server', first.url, '--token', first.adminToken, '--json'];
        const created = await toolport(['gateway', 'create', 'keep', '--search', ...cli]);
        assert.equal(created.code, 0, created.stderr);
        const again = await api(first, 'POST', '/gateways', { name: 'keep' });
        assert.equal(again.status, 409, 'a second gateway of the same name is a conflict');
        const added = await toolport(['target', 'add', 'keep', 'up', '--url', upstream.url, ...cli]);
        assert.equal(added.code, 0, added.stderr);
        assert.equal((JSON.parse(added.stdout) as { tools: number }).tools, 2);
        const client = await connectGateway(first, 'keep');
        assert.match(textOf(await client.callTool({ name: 'up___keep_me', arguments: { text: 'before restart' } })), /before restart/);
        await client.close();
        await first.stop();
        await upstream.close();

        // The target is down at start: the stored catalog is served and the target is marked stale.
        const second = await testPlatform({ dataDir, store });
        const cli2 = ['--server', second.url, '--token', second.adminToken];
        const client2 = await connectGateway(second, 'keep', { era: 'modern' });
        const names = (await client2.listTools()).tools.map((t) => t.name).sort();
        assert.deepEqual(names, ['up___and_me', 'up___keep_me', 'x_amz_bedrock_agentcore_search']);
        await client2.close();
        const calls = await toolport(['gateway', 'calls', 'keep', ...cli2, '--json']);
        assert.equal(calls.code, 0, calls.stderr);
        const recorded = JSON.parse(calls.stdout) as { tool: string; status: string; target: string }[];
        assert.deepEqual(
          recorded.map((c) => [c.tool, c.target, c.status]),
          [['up___keep_me', 'up', 'ok']],
        );
        const table = await toolport(['gateway', 'calls', 'keep', ...cli2]);
        assert.match(table.stdout, /TOOL\s+TARGET\s+STATUS/);
        assert.match(table.stdout, /up___keep_me\s+up\s+ok/);
        const stale = await toolport(['target', 'sync', 'keep', 'up', ...cli2]);
        assert.match(stale.stdout, /up\s+mcp\s+2\s+\S+\s+stale/);
        upstream = await startUpstream({ tools: textTools('keep_me', 'and_me'), port });
        const fresh = await toolport(['target', 'sync', 'keep', ...cli2]);
        assert.match(fresh.stdout, /up\s+mcp\s+2\s+\S+\s+fresh/);
        const listed = JSON.parse((await toolport(['gateway', 'list', ...cli2, '--json'])).stdout) as { name: string; targets: unknown[] }[];
        assert.deepEqual(
          listed.map((g) => [g.name, g.targets.length]),
          [['keep', 1]],
        );
        assert.equal((await toolport(['target', 'remove', 'keep', 'up', ...cli2])).code, 0);
        assert.equal((await toolport(['gateway', 'delete', 'keep', ...cli2])).code, 0);
        const gone = await toolport(['gateway', 'get', 'keep', ...cli2]);
        assert.notEqual(gone.code, 0);
        assert.match(gone.stderr, /no gateway named "keep"/);
        await second.stop();
      } finally {
        await upstream.close();
        await rm(dataDir, { recursive: true, force: true });
      }
    });
  }

  it('applies gateways declared in toolport.yaml, fronting a runtime', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'toolport-gw-config-'));
    const config = join(dir, 'toolport.yaml');
    await writeFile(
      config,
      [
        'runtimes:',
        `  - { name: greet, command: [node, ${process.cwd()}/examples/greet/server.js], sessions: { warmPool: 1 } }`,
        'gateways:',
        '  - name: demo',
        '    search: { name: find_tools }',
        '    targets:',
        '      - { name: greet, type: mcp, runtime: greet }',
      ].join('\n'),
    );
    const platform = await testPlatform({ config });
    try {
      const client = await connectGateway(platform, 'demo');
      await client.callTool({ name: 'find_tools', arguments: { query: 'greet a user' } }).then((result) => {
        assert.equal((result.structuredContent as { tools: { name: string }[] }).tools[0]?.name, 'greet___greet_user');
      });
      assert.equal(
        textOf(await client.callTool({ name: 'greet___greet_user', arguments: { name: 'Config' } })),
        'Hello, Config! Nice to meet you. This is a test message.',
      );
      await client.close();
      const bad = await api(platform, 'POST', '/gateways', { name: 'broken', targets: [{ name: 'x___y', type: 'mcp', url: 'http://127.0.0.1:1/mcp' }] });
      assert.equal(bad.status, 400);
      assert.match(bad.body.error?.message ?? '', /must not contain "___"/);
    } finally {
      await platform.stop();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('the bundled demo (examples/toolport.yaml) serves gateway demo in front of its runtimes', async () => {
    const platform = await testPlatform({ config: 'examples/toolport.yaml' });
    try {
      const client = await connectGateway(platform, 'demo', { era: 'modern' });
      const names = (await client.listTools()).tools.map((t) => t.name);
      for (const expected of ['x_amz_bedrock_agentcore_search', 'greet___greet_user', 'web-search___openai_o3_web_search'])
        assert.ok(names.includes(expected), `${expected} in ${names.join(', ')}`);
      assert.equal(
        textOf(await client.callTool({ name: 'greet___greet_user', arguments: { name: 'Demo' } })),
        'Hello, Demo! Nice to meet you. This is a test message.',
      );
      await client.close();
    } finally {
      await platform.stop();
    }
  });
});
