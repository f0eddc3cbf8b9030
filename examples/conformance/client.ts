/**
 * Conformance client: the Toolport client library (`connect()` from src/client) driven through the official
 * `@modelcontextprotocol/conformance` client scenarios.
 *
 * The suite runs `<command> <server-url>` once per scenario, with the scenario's name in MCP_CONFORMANCE_SCENARIO and,
 * for scenarios that hand out credentials, a JSON object in MCP_CONFORMANCE_CONTEXT. It judges what goes over the
 * wire, so this program only has to behave as a user of the library would: connect (signing in when the server
 * asks), list the tools, call the one the scenario is about, and close. Exit 0 when that worked.
 *
 * Run by hand: MCP_CONFORMANCE_SCENARIO=tools_call node --import tsx examples/conformance/client.ts http://127.0.0.1:N/mcp
 */
import { connect, type AuthOptions } from '../../src/client/index.js';

type ListedTool = { name: string; inputSchema: Record<string, unknown> };

/** The tool each scenario expects to see called, with its arguments (from the scenarios' own server fixtures). */
const SCENARIO_CALLS: Record<string, { tool: string; args: (tools: ListedTool[]) => Record<string, unknown> }> = {
  tools_call: { tool: 'add_numbers', args: () => ({ a: 5, b: 3 }) },
  'sse-retry': { tool: 'test_reconnection', args: () => ({}) },
  'elicitation-sep1034-client-defaults': { tool: 'test_client_elicitation_defaults', args: () => ({}) },
  // The scenario checks that a JSON Schema 2020-12 input schema reaches the client unaltered: echo what was listed.
  'json-schema-2020-12-preservation': { tool: 'json_schema_echo', args: (tools) => ({ schema: tools.find((tool) => tool.name === 'json_schema_2020_12_tool')?.inputSchema }) },
};

/** Credentials some auth scenarios hand to the client (MCP_CONFORMANCE_CONTEXT). */
interface ScenarioContext {
  client_id?: string;
  client_secret?: string;
}

/**
 * The "browser" of an unattended sign-in: the suite's authorization server approves at once and redirects to the
 * client's loopback redirect URI, so following the redirect delivers the code to the library's loopback listener
 * exactly as a person's browser would.
 */
function followAuthorizationUrl(url: URL): void {
  fetch(url, { redirect: 'follow' })
    .then((response) => response.body?.cancel())
    .catch((error: unknown) => process.stderr.write(`authorization URL ${url.origin}: ${(error as Error).message}\n`));
}

/** The library's `mcp` auth mode (the spec's discovery, registration and PKCE), unattended, tokens in memory only. */
function authFor(scenario: string): AuthOptions {
  if (!scenario.startsWith('auth/')) return { mode: 'none' };
  const context = JSON.parse(process.env.MCP_CONFORMANCE_CONTEXT ?? '{}') as ScenarioContext;
  return {
    mode: 'mcp',
    openBrowser: false,
    onAuthorizationUrl: followAuthorizationUrl,
    cache: false,
    loginTimeoutMs: 20_000,
    ...(context.client_id ? { clientId: context.client_id } : {}),
    ...(context.client_secret ? { clientSecret: context.client_secret } : {}),
  };
}

async function main(): Promise<void> {
  const scenario = process.env.MCP_CONFORMANCE_SCENARIO;
  const serverUrl = process.argv[2];
  if (!scenario || !serverUrl) throw new Error('usage: MCP_CONFORMANCE_SCENARIO=<scenario> client.ts <server-url>');
  // 'auto': 2026-07-28 where the scenario server speaks it, else a 2025-11-25 session, as a user's client would.
  const connection = await connect({ target: serverUrl, auth: authFor(scenario), protocol: 'auto', clientName: 'toolport-conformance-client', timeoutMs: 20_000 });
  try {
    const { tools } = await connection.client.listTools();
    const planned = SCENARIO_CALLS[scenario];
    // Auth scenarios' servers expose one tool behind the token; calling it proves the token is accepted.
    const tool = tools.find((listed) => listed.name === planned?.tool) ?? (planned ? undefined : tools[0]);
    if (planned && !tool) throw new Error(`scenario ${scenario}: the server lists no tool ${planned.tool}`);
    if (tool) await connection.client.callTool({ name: tool.name, arguments: planned ? planned.args(tools as ListedTool[]) : {} });
  } catch (error) {
    throw connection.explain(error);
  } finally {
    await connection.close();
  }
}

try {
  await main();
  process.exit(0);
} catch (error) {
  process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
}
