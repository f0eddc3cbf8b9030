import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Client } from '@modelcontextprotocol/client';
import { eventually, testPlatform } from '../helpers/platform.js';
import { api, connectGateway, textOf, type Era } from './helpers.js';
import { realTools, startUpstream, textTools, type Upstream } from './upstream.js';
import { closeAll } from '../helpers/teardown.js';

type Platform = Awaited<ReturnType<typeof testPlatform>>;

describe('gateway catalogs', () => {
  let platform: Platform;
  let alpha: Upstream;
  let beta: Upstream;

  before(async () => {
    platform = await testPlatform();
    alpha = await startUpstream({ tools: textTools('first', 'second') });
    beta = await startUpstream({ tools: textTools('other') });
    const created = await api(platform, 'POST', '/gateways', {
      name: 'cat',
      targets: [
        { name: 'alpha', type: 'mcp', url: alpha.url },
        { name: 'beta', type: 'mcp', url: beta.url },
      ],
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
  });
  after(() =>
    closeAll(
      () => platform?.stop(),
      () => alpha?.close(),
      () => beta?.close(),
    ),
  );

  for (const era of ['legacy', 'modern'] as Era[]) {
    it(`a sync that changes a target's tools sends tools/list_changed to a connected ${era} client`, async () => {
      const changes: string[][] = [];
      const client: Client = await connectGateway(platform, 'cat', {
        era,
        client: { listChanged: { tools: { onChanged: (_error, tools) => changes.push((tools ?? []).map((t) => t.name)) } } },
      });
      assert.ok((await client.listTools()).tools.some((t) => t.name === 'alpha___first'));
      alpha.setTools(textTools('first', 'second', `added_for_${era}`));
      const synced = await api(platform, 'POST', '/gateways/cat/targets/alpha/sync');
      assert.equal(synced.body.targets[0]?.tools, 3);
      await eventually(() => changes.some((names) => names.includes(`alpha___added_for_${era}`)), 10_000, 'list_changed and a refreshed list');
      assert.ok((await client.listTools()).tools.some((t) => t.name === `alpha___added_for_${era}`));
      await client.close();
    });
  }

  it('re-syncs a target by itself when the target announces that its tools changed', async () => {
    const changes: string[][] = [];
    const client = await connectGateway(platform, 'cat', {
      client: { listChanged: { tools: { onChanged: (_error, tools) => changes.push((tools ?? []).map((t) => t.name)) } } },
    });
    alpha.setTools(textTools('first', 'second', 'announced'));
    alpha.announce();
    await eventually(() => changes.some((names) => names.includes('alpha___announced')), 10_000, 'the announced tool at the gateway');
    await client.close();
  });

  it('a target that is down keeps its last catalog, marked stale, and the others keep working', async () => {
    const port = beta.port;
    await beta.close();
    const synced = await api(platform, 'POST', '/gateways/cat/sync');
    const betaStatus = synced.body.targets.find((t) => t.name === 'beta');
    assert.equal(betaStatus?.stale, true);
    assert.equal(betaStatus?.tools, 1, 'the last catalog is kept');
    assert.match(betaStatus?.lastError ?? '', /cannot be reached/);
    assert.equal(synced.body.targets.find((t) => t.name === 'alpha')?.stale, false);
    const client = await connectGateway(platform, 'cat');
    const names = (await client.listTools()).tools.map((t) => t.name);
    assert.ok(names.includes('beta___other'), 'stale tools are still listed');
    assert.match(textOf(await client.callTool({ name: 'alpha___first', arguments: { text: 'x' } })), /first/);
    await assert.rejects(client.callTool({ name: 'beta___other', arguments: { text: 'x' } }), /target "beta".*cannot be reached|target_unavailable/);
    // Back up on the same port: the next sync clears the stale mark.
    beta = await startUpstream({ tools: textTools('other'), port });
    const recovered = await api(platform, 'POST', '/gateways/cat/targets/beta/sync');
    assert.equal(recovered.body.targets[0]?.stale, false);
    assert.match(textOf(await client.callTool({ name: 'beta___other', arguments: { text: 'y' } })), /other/);
    await client.close();
  });

  it('reports tools whose gateway name would be invalid instead of dropping them silently', async () => {
    alpha.setTools([...textTools('first'), { ...textTools('first')[0]!, description: 'a duplicate' }, ...textTools('has space')]);
    const synced = await api(platform, 'POST', '/gateways/cat/targets/alpha/sync');
    const problems = synced.body.targets[0]?.problems ?? [];
    assert.equal(problems.length, 2, problems.join('\n'));
    assert.ok(problems.some((p) => /"first".*more than once/.test(p)));
    assert.ok(problems.some((p) => /"has space".*characters outside/.test(p)));
    const listed = await api(platform, 'GET', '/gateways/cat/targets');
    assert.equal(listed.body.targets.find((t) => t.name === 'alpha')?.problems.length, 2, 'problems stay in the target status');
    alpha.setTools(textTools('first', 'second'));
    await api(platform, 'POST', '/gateways/cat/targets/alpha/sync');
  });

  it('a target name ending in "_" is refused: its tools would run into the "___" separator', async () => {
    const created = await api(platform, 'POST', '/gateways', { name: 'underscored', targets: [{ name: 'a_', type: 'mcp', url: alpha.url }] });
    assert.equal(created.status, 400);
    assert.match(created.body.error?.message ?? '', /must not end in "_"/);
    const added = await api(platform, 'PUT', '/gateways/cat/targets/a_', { type: 'mcp', url: alpha.url });
    assert.equal(added.status, 400);
    assert.match(added.body.error?.message ?? '', /must not end in "_"/);
  });

  for (const era of ['legacy', 'modern'] as Era[]) {
    it(`${era}: upstream names starting with "_" are reported, not offered; long names are shortened to 64 characters and calls reach the right tool`, async () => {
      const long = `lookup_${'very_long_segment_'.repeat(6)}end`;
      const named = await startUpstream({ tools: textTools('_b', 'b', long, `${long}_twin`) });
      try {
        const created = await api(platform, 'POST', '/gateways', { name: `names-${era}`, targets: [{ name: 'a', type: 'mcp', url: named.url }] });
        assert.equal(created.status, 201, JSON.stringify(created.body));
        const problems = created.body.targets[0]?.problems ?? [];
        assert.deepEqual(problems, ['tool "_b" left out: a name starting with "_" runs into the "___" separator of "a____b"']);
        const client = await connectGateway(platform, `names-${era}`, { era });
        const names = (await client.listTools()).tools.map((t) => t.name).sort();
        assert.equal(names.length, 3);
        assert.ok(names.includes('a___b'));
        const shortened = names.filter((name) => name !== 'a___b');
        for (const name of shortened) {
          assert.equal(name.length, 64);
          assert.equal(name.slice(0, 55), `a___${long}`.slice(0, 55));
          assert.match(name.slice(55), /^_[0-9a-f]{8}$/);
        }
        assert.notEqual(shortened[0], shortened[1], 'names that share their first 55 characters stay distinct');
        // Deterministic: the same upstream name always gets the same gateway name.
        const again = await api(platform, 'POST', `/gateways/names-${era}/sync`);
        assert.equal(again.status, 200);
        assert.deepEqual((await client.listTools()).tools.map((t) => t.name).sort(), names);
        for (const name of shortened) {
          await client.callTool({ name, arguments: { text: 'x' } });
          assert.ok([long, `${long}_twin`].includes(named.calls.at(-1)?.name ?? ''));
        }
        assert.deepEqual(named.calls.map((call) => call.name).sort(), [long, `${long}_twin`]);
        await client.callTool({ name: 'a___b', arguments: { text: 'x' } });
        assert.equal(named.calls.at(-1)?.name, 'b');
        await client.close();
      } finally {
        await named.close();
      }
    });
  }

  it('pages thousands of tools with nextCursor (2,480 real API tools plus 600 more) and calls one at the end', async () => {
    const real = realTools();
    const big = await startUpstream({ tools: real, pageSize: 700 });
    const more = await startUpstream({ tools: real.slice(0, 600) });
    try {
      const created = await api(platform, 'POST', '/gateways', {
        name: 'big',
        search: true,
        pageSize: 2000,
        targets: [
          { name: 'api', type: 'mcp', url: big.url },
          { name: 'more', type: 'mcp', url: more.url },
        ],
      });
      assert.equal(created.status, 201);
      assert.deepEqual(
        created.body.targets.map((t) => t.tools),
        [2480, 600],
      );
      const client = await connectGateway(platform, 'big', { era: 'modern' });
      const started = performance.now();
      const all = (await client.listTools()).tools.map((t) => t.name);
      const listMs = performance.now() - started;
      assert.equal(all.length, 3081, 'every tool plus the search tool');
      assert.equal(new Set(all).size, all.length, 'names are unique across pages');
      assert.ok(listMs < 2_000, `listing 3,081 tools took ${listMs.toFixed(0)} ms`);
      // Walk the pages by hand: the gateway's pageSize (2,000) per page, each with the cursor of the one before.
      let cursor: string | undefined;
      const sizes: number[] = [];
      do {
        const page = await client.request({ method: 'tools/list', params: cursor === undefined ? {} : { cursor } });
        sizes.push(page.tools.length);
        cursor = page.nextCursor;
      } while (cursor !== undefined && sizes.length < 20);
      assert.deepEqual(sizes, [2000, 1081]);
      const last = [...real].reverse().find((t) => !(t.inputSchema.required as string[] | undefined)?.length)!;
      const result = await client.callTool({ name: `api___${last.name}`, arguments: {} });
      assert.match(textOf(result), new RegExp(last.name));
      await assert.rejects(client.listTools({ cursor: 'bm90LWEtY3Vyc29y' }), /invalid cursor/);
      await client.close();
    } finally {
      await big.close();
      await more.close();
    }
  });

  it('offers unprefixed names when a target opts out, reporting a name two targets offer', async () => {
    const one = await startUpstream({ tools: textTools('same_name', 'only_one') });
    const two = await startUpstream({ tools: textTools('same_name') });
    try {
      const created = await api(platform, 'POST', '/gateways', {
        name: 'plain',
        targets: [
          { name: 'one', type: 'mcp', url: one.url, prefix: false },
          { name: 'two', type: 'mcp', url: two.url, prefix: false },
        ],
      });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      const client = await connectGateway(platform, 'plain');
      assert.deepEqual((await client.listTools()).tools.map((t) => t.name).sort(), ['only_one', 'same_name']);
      assert.match(textOf(await client.callTool({ name: 'same_name', arguments: { text: 'x' } })), /same_name/);
      assert.equal(one.calls.length, 1, 'the first target (by name) serves the name both offer');
      assert.deepEqual(created.body.targets.find((t) => t.name === 'two')?.problems, ['tool "same_name" left out: target "one" already offers it']);
      await client.close();
    } finally {
      await one.close();
      await two.close();
    }
  });

  it('a removed target leaves the list and its calls are refused', async () => {
    const client = await connectGateway(platform, 'cat');
    assert.equal((await api(platform, 'DELETE', '/gateways/cat/targets/beta')).status, 204);
    const names = (await client.listTools()).tools.map((t) => t.name);
    assert.ok(!names.some((name) => name.startsWith('beta___')));
    await assert.rejects(client.callTool({ name: 'beta___other', arguments: { text: 'z' } }), /has no tool "beta___other"/);
    await client.close();
  });
});
