import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startHttpServer, type RunningHttpServer } from '../../examples/conformance/server.js';
import { createLogger } from '../../src/log/index.js';
import { startTestIssuer, type TestIssuer } from '../helpers/issuer.js';
import { eventually, testPlatform } from '../helpers/platform.js';
import { api, connectGateway, gatewayUrl, textOf, type Era } from './helpers.js';
import { startUpstream, textTools, type Upstream } from './upstream.js';
import { closeAll } from '../helpers/teardown.js';

type Platform = Awaited<ReturnType<typeof testPlatform>>;
const SEARCH = 'x_amz_bedrock_agentcore_search';
const AUDIENCE = 'toolport-gateway';

describe('a JWT-protected gateway with tool permissions', () => {
  let issuer: TestIssuer;
  let platform: Platform;
  let billing: Upstream;
  let hr: Upstream;
  let open: Upstream;
  const logLines: string[] = [];
  const token = (claims: Record<string, unknown>): Promise<string> => issuer.mint({ aud: AUDIENCE, client_id: 'agent-app', ...claims });

  before(async () => {
    issuer = await startTestIssuer();
    platform = await testPlatform({ logger: createLogger('debug', (line) => logLines.push(line)) });
    billing = await startUpstream({
      tools: [...textTools('list_invoices'), { ...textTools('refund_invoice')[0]!, description: 'Refund an invoice to the customer' }],
    });
    hr = await startUpstream({ tools: textTools('list_employees') });
    open = await startUpstream({ tools: textTools('weather_forecast') });
    const created = await api(platform, 'POST', '/gateways', {
      name: 'secure',
      auth: { jwt: { discoveryUrl: issuer.discoveryUrl, allowedAudiences: [AUDIENCE] } },
      search: true,
      audit: { arguments: true },
      permissions: { 'billing___*': { scopes: ['gateway/write'] }, 'hr___*': { claims: { dept: 'hr' } } },
      targets: [
        { name: 'billing', type: 'mcp', url: billing.url },
        { name: 'hr', type: 'mcp', url: hr.url },
        { name: 'open', type: 'mcp', url: open.url },
      ],
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
  });
  after(() =>
    closeAll(
      () => platform?.stop(),
      () => issuer?.close(),
      () => billing?.close(),
      () => hr?.close(),
      () => open?.close(),
    ),
  );

  it('answers 401 without a token, naming RFC 9728 metadata that points at the issuer', async () => {
    const response = await fetch(gatewayUrl(platform, 'secure'), {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'initialize',
        params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
      }),
    });
    assert.equal(response.status, 401);
    const metadataUrl = /resource_metadata="([^"]+)"/.exec(response.headers.get('www-authenticate') ?? '')?.[1] ?? '';
    assert.match(metadataUrl, /\/\.well-known\/oauth-protected-resource\/gateways\/secure\/mcp$/);
    const metadata = (await (await fetch(metadataUrl)).json()) as { resource: string; authorization_servers: string[] };
    assert.deepEqual(metadata.authorization_servers, [issuer.issuer]);
    assert.match(metadata.resource, /\/gateways\/secure\/mcp$/);
    await assert.rejects(connectGateway(platform, 'secure', { token: await issuer.mint({ aud: 'someone-else' }) }), /401|invalid_token|audience/i);
  });

  for (const era of ['legacy', 'modern'] as Era[]) {
    it(`shows a ${era} caller only the tools it may call, in the list and in search`, async () => {
      const reader = await connectGateway(platform, 'secure', { era, token: await token({ sub: 'reader', scope: 'gateway/read' }) });
      const names = (await reader.listTools()).tools.map((t) => t.name);
      assert.deepEqual(names.sort(), ['open___weather_forecast', SEARCH]);
      const found = await reader.callTool({ name: SEARCH, arguments: { query: 'refund an invoice' } });
      const foundNames = (found.structuredContent as { tools: { name: string }[] }).tools.map((t) => t.name);
      assert.ok(!foundNames.some((name) => name.startsWith('billing___')), `search hides billing tools: ${foundNames.join(', ')}`);

      const writer = await connectGateway(platform, 'secure', { era, token: await token({ sub: 'writer', scope: 'gateway/read gateway/write' }) });
      const writerNames = (await writer.listTools()).tools.map((t) => t.name);
      assert.ok(writerNames.includes('billing___refund_invoice') && !writerNames.includes('hr___list_employees'));
      const best = await writer.callTool({ name: SEARCH, arguments: { query: 'refund an invoice' } });
      const hits = (best.structuredContent as { tools: { name: string; inputSchema: unknown }[] }).tools;
      assert.equal(hits[0]?.name, 'billing___refund_invoice');
      assert.ok(hits[0]?.inputSchema, 'hits carry full definitions');

      const hrPerson = await connectGateway(platform, 'secure', { era, token: await token({ sub: 'hr-person', dept: 'hr' }) });
      assert.ok((await hrPerson.listTools()).tools.some((t) => t.name === 'hr___list_employees'));
      await Promise.all([reader.close(), writer.close(), hrPerson.close()]);
    });
  }

  it('refuses a forbidden call before it reaches the target, and never forwards the caller token', async () => {
    const callerToken = await token({ sub: 'reader', scope: 'gateway/read' });
    const reader = await connectGateway(platform, 'secure', { token: callerToken });
    const before = billing.calls.length;
    await assert.rejects(reader.callTool({ name: 'billing___refund_invoice', arguments: { text: 'INV-1' } }), /may not call "billing___refund_invoice"/);
    assert.equal(billing.calls.length, before, 'the target saw nothing');
    const writer = await connectGateway(platform, 'secure', { token: await token({ sub: 'writer', scope: 'gateway/write' }) });
    assert.match(textOf(await writer.callTool({ name: 'billing___refund_invoice', arguments: { text: 'INV-2' } })), /INV-2/);
    assert.ok(
      billing.authorizations.every((value) => value === undefined),
      'no Authorization header reached the target',
    );
    assert.ok(!logLines.some((line) => line.includes(callerToken)), 'the token is never logged');
    await Promise.all([reader.close(), writer.close()]);
  });

  it('audits every call with subject, client, status and (when enabled) arguments', async () => {
    const writer = await connectGateway(platform, 'secure', { token: await token({ sub: 'auditor', scope: 'gateway/write' }) });
    await writer.callTool({ name: 'billing___list_invoices', arguments: { text: 'march' } });
    await writer.close();
    let calls: { subject?: string; client?: string; tool: string; status: string; arguments?: unknown; latencyMs: number }[] = [];
    await eventually(async () => {
      calls = (await api(platform, 'GET', '/gateways/secure/calls?limit=100')).body.calls;
      return calls.some((c) => c.subject === 'auditor');
    });
    const mine = calls.find((c) => c.subject === 'auditor')!;
    assert.equal(mine.client, 'agent-app');
    assert.equal(mine.tool, 'billing___list_invoices');
    assert.equal(mine.status, 'ok');
    assert.deepEqual(mine.arguments, { text: 'march' });
    assert.ok(mine.latencyMs >= 0);
    assert.ok(
      calls.some((c) => c.subject === 'reader' && c.status === 'forbidden'),
      'refusals are audited too',
    );
  });
});

describe('permissions cover prompts, resources, resource templates and completion, not only tools', () => {
  let issuer: TestIssuer;
  let platform: Platform;
  let conformance: RunningHttpServer;
  const token = (claims: Record<string, unknown>): Promise<string> => issuer.mint({ aud: AUDIENCE, client_id: 'agent-app', ...claims });

  before(async () => {
    issuer = await startTestIssuer();
    platform = await testPlatform();
    conformance = await startHttpServer({ port: 0, onerror: () => undefined });
    const created = await api(platform, 'POST', '/gateways', {
      name: 'guarded',
      auth: { jwt: { discoveryUrl: issuer.discoveryUrl, allowedAudiences: [AUDIENCE] } },
      permissions: { 'conf___*': { scopes: ['gateway/write'] } },
      targets: [{ name: 'conf', type: 'mcp', url: conformance.url }],
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
  });
  after(() =>
    closeAll(
      () => platform?.stop(),
      () => issuer?.close(),
      () => conformance?.close(),
    ),
  );

  const PROMPT = 'conf___test_prompt_with_arguments';
  const TEMPLATE = 'test://template/{id}/data';

  for (const era of ['legacy', 'modern'] as Era[]) {
    it(`${era}: a caller the rules refuse sees none of the target's prompts, resources or templates and cannot get, read or complete them`, async () => {
      const reader = await connectGateway(platform, 'guarded', { era, token: await token({ sub: 'reader', scope: 'gateway/read' }) });
      assert.deepEqual((await reader.listTools()).tools, []);
      assert.deepEqual((await reader.listPrompts()).prompts, []);
      assert.deepEqual((await reader.listResources()).resources, []);
      assert.deepEqual((await reader.listResourceTemplates()).resourceTemplates, []);
      await assert.rejects(
        reader.getPrompt({ name: 'conf___test_simple_prompt' }),
        /you may not get prompt "conf___test_simple_prompt": the gateway's permissions do not admit/,
      );
      await assert.rejects(reader.readResource({ uri: 'test://static-text' }), /you may not read resource test:\/\/static-text/);
      await assert.rejects(reader.readResource({ uri: 'test://template/42/data' }), /you may not read resource test:\/\/template\/42\/data/);
      await assert.rejects(
        reader.complete({ ref: { type: 'ref/prompt', name: PROMPT }, argument: { name: 'arg1', value: 'pa' } }),
        /you may not complete prompt/,
      );
      await assert.rejects(
        reader.complete({ ref: { type: 'ref/resource', uri: TEMPLATE }, argument: { name: 'id', value: '1' } }),
        /you may not complete test:\/\/template/,
      );
      await reader.close();

      const writer = await connectGateway(platform, 'guarded', { era, token: await token({ sub: 'writer', scope: 'gateway/write' }) });
      assert.ok((await writer.listPrompts()).prompts.some((prompt) => prompt.name === PROMPT));
      assert.ok((await writer.listResources()).resources.some((resource) => resource.uri === 'test://static-text'));
      assert.ok((await writer.listResourceTemplates()).resourceTemplates.some((template) => template.uriTemplate === TEMPLATE));
      assert.ok((await writer.getPrompt({ name: 'conf___test_simple_prompt' })).messages.length > 0);
      assert.equal(
        ((await writer.readResource({ uri: 'test://static-text' })).contents[0] as { text: string }).text,
        'This is the content of the static text resource.',
      );
      assert.deepEqual((await writer.complete({ ref: { type: 'ref/prompt', name: PROMPT }, argument: { name: 'arg1', value: 'pa' } })).completion.values, [
        'paris',
        'park',
        'party',
      ]);
      assert.deepEqual((await writer.complete({ ref: { type: 'ref/resource', uri: TEMPLATE }, argument: { name: 'id', value: '1' } })).completion.values, [
        '123',
      ]);
      await writer.close();
    });
  }
});
