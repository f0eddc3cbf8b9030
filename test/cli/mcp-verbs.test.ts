import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { resolveTarget } from '../../src/client/index.js';
import { platformWithSecureGreet, type testPlatform } from '../helpers/platform.js';
import { startTestIssuer, type TestIssuer } from '../helpers/issuer.js';
import { toolport } from '../helpers/cli.js';
import { closeAll } from '../helpers/teardown.js';

describe('toolport MCP verbs (tools, call, ping) against runtimes', () => {
  let platform: Awaited<ReturnType<typeof testPlatform>>;
  let issuer: TestIssuer;

  before(async () => {
    issuer = await startTestIssuer();
    platform = await platformWithSecureGreet(issuer);
  });
  after(() =>
    closeAll(
      () => platform?.stop(),
      () => issuer?.close(),
    ),
  );

  it('lists tools and calls one with arguments typed by its schema', async () => {
    const tools = await toolport(['tools', 'runtime:greet', '--server', platform.url, '--json']);
    assert.equal(tools.code, 0, tools.stderr);
    assert.ok((JSON.parse(tools.stdout) as { name: string }[]).some((tool) => tool.name === 'greet_user'));

    const call = await toolport(['call', 'runtime:greet', 'greet_user', '--arg', 'name=Ren', '--server', platform.url]);
    assert.equal(call.stdout, 'Hello, Ren! Nice to meet you. This is a test message.\n');
    const typed = await toolport(['call', 'runtime:greet', 'slow_count', '--arg', 'steps=2', '--arg', 'intervalMs=1', '--server', platform.url, '--json']);
    assert.deepEqual(JSON.parse(typed.stdout).content, [{ type: 'text', text: 'counted to 2' }]);
    const bad = await toolport(['call', 'runtime:greet', 'slow_count', '--arg', 'steps=many', '--server', platform.url]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /^toolport: --arg steps must be a number, got "many"\n$/);
  });

  it("runs the seed's connection test", async () => {
    const report = JSON.parse((await toolport(['test', 'runtime:greet', '--server', platform.url, '--json'])).stdout) as {
      server: { name: string };
      tools: number;
      resources: number | null;
      timings: Record<string, number>;
    };
    assert.equal(report.server.name, 'greet');
    assert.equal(report.tools, 6);
    assert.equal(report.resources, null, 'greet has no resources capability');
    assert.ok(report.timings.initializeMs! > 0 && report.timings.listToolsMs! > 0);
  });

  it('benchmarks two targets interleaved, with the seed phases and a tool only when named or read-only', async () => {
    const direct = `${platform.url}/runtimes/greet/invocations?qualifier=DEFAULT`;
    const bench = await toolport([
      'bench',
      'runtime:greet',
      '--compare',
      direct,
      '--iterations',
      '3',
      '--tool',
      'greet_user',
      '--args',
      '{"name":"b"}',
      '--server',
      platform.url,
      '--json',
    ]);
    assert.equal(bench.code, 0, bench.stderr);
    const results = JSON.parse(bench.stdout) as {
      target: string;
      phases: Record<string, { n: number; median: number; p95: number; stddev: number }>;
      errors: string[];
    }[];
    assert.deepEqual(
      results.map((r) => r.target),
      ['runtime:greet', direct],
    );
    for (const result of results) {
      assert.deepEqual(result.errors, []);
      assert.deepEqual(Object.keys(result.phases), ['connection', 'initialize', 'list_tools', 'call_tool', 'total']);
      assert.ok(Object.values(result.phases).every((stats) => stats.n === 3 && stats.median > 0 && stats.p95 >= stats.median));
    }
    const table = await toolport(['bench', 'runtime:greet', '--iterations', '2', '--server', platform.url]);
    assert.match(table.stdout, /^PHASE +MEAN ± SD +MEDIAN +P95 +MIN +MAX +N/m);
    assert.match(table.stdout, /^call_tool +[\d.]+ ± [\d.]+/m, 'without --tool, a read-only tool that needs no arguments (whoami) is timed');
    // 2026-07-28 iterations open no session: what stays is the runtime's one shared stateless worker.
    const left = platform.runtimes.listSessions('greet').map((session) => session.id);
    assert.ok(
      left.every((id) => id.startsWith('stateless-greet-')),
      `every bench iteration ended its session, left: ${left.join(', ')}`,
    );
  });

  it('pings with timings: server/discover in 2026-07-28 (which has no ping), ping in a 2025-11-25 session', async () => {
    const modern = await toolport(['ping', 'runtime:greet', '--server', platform.url, '--json']);
    const discovered = JSON.parse(modern.stdout) as { server: string; protocolVersion: string; check: string; connectMs: number; checkMs: number };
    assert.deepEqual([discovered.server, discovered.protocolVersion, discovered.check], ['greet', '2026-07-28', 'server/discover']);
    assert.ok(discovered.connectMs > 0 && discovered.checkMs > 0);
    const legacy = await toolport(['ping', 'runtime:greet', '--server', platform.url, '--protocol', '2025-11-25']);
    assert.equal(legacy.code, 0, legacy.stderr);
    assert.match(legacy.stdout, /^ok: greet at .*, 2025-11-25 — connect [\d.]+ ms, ping [\d.]+ ms\n$/);
  });

  it('sends a bearer token to a protected runtime and explains a missing one in the same words in both eras', async () => {
    const denied = await toolport(['tools', 'runtime:secure', '--server', platform.url]);
    assert.equal(denied.code, 3);
    assert.match(denied.stderr, /^toolport: 401 from \S+: \S.*requires a bearer token.* — pass --token or set TOOLPORT_TOKEN/);
    const deniedInSession = await toolport(['tools', 'runtime:secure', '--server', platform.url, '--protocol', '2025-11-25']);
    assert.equal(deniedInSession.stderr, denied.stderr);
    const token = await issuer.mint({ sub: 'cli-user', aud: 'toolport' });
    const allowed = await toolport(['call', 'runtime:secure', 'greet_user', '--args', '{"name":"Token"}', '--server', platform.url], { TOOLPORT_TOKEN: token });
    assert.equal(allowed.code, 0, allowed.stderr);
    assert.match(allowed.stdout, /Hello, Token!/);
  });

  it('names the runtime that does not exist', async () => {
    const missing = await toolport(['tools', 'runtime:nope', '--server', platform.url]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /no runtime named "nope"/);
  });
});

describe('target resolution', () => {
  it('turns AgentCore runtime ARNs into the regional data-plane URL', () => {
    const arn = 'arn:aws:bedrock-agentcore:eu-central-1:123456789012:runtime/my_server-abc123';
    assert.equal(
      resolveTarget(arn, { qualifier: 'prod' }).href,
      `https://bedrock-agentcore.eu-central-1.amazonaws.com/runtimes/${encodeURIComponent(arn)}/invocations?qualifier=prod`,
    );
    assert.match(resolveTarget('arn:aws:bedrock-agentcore:us-west-2:123456789012:runtime/x').host, /^bedrock-agentcore\.us-west-2\.amazonaws\.com$/);
  });

  it('resolves runtime:NAME, gateway:NAME and Toolport ARNs through the server, and refuses anything else', () => {
    const server = 'http://127.0.0.1:9999';
    assert.equal(resolveTarget('runtime:greet', { server }).href, `${server}/runtimes/greet/invocations?qualifier=DEFAULT`);
    assert.equal(resolveTarget('gateway:demo', { server }).href, `${server}/gateways/demo/mcp`);
    const arn = 'arn:toolport:runtime:local:000000000000:runtime/greet';
    assert.equal(resolveTarget(arn, { server }).href, `${server}/runtimes/${encodeURIComponent(arn)}/invocations?qualifier=DEFAULT`);
    assert.throws(() => resolveTarget('greet'), /not a target: use a URL/);
  });
});
