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

/** The tool each scenario expects to see called, with its arguments (from the scenarios' own server fixtures). */
const SCENARIO_CALLS: Record<string, { tool: string; args: Record<string, unknown> }> = {
  tools_call: { tool: 'add_numbers', args: { a: 5, b: 3 } },
  'sse-retry': { tool: 'test_reconnection', args: {} },
  'elicitation-sep1034-client-defaults': { tool: 'test_client_elicitation_defaults', args: {} },
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
  const connection = await connect({ target: serverUrl, auth: authFor(scenario), clientName: 'toolport-conformance-client', timeoutMs: 20_000 });
  try {
    const { tools } = await connection.client.listTools();
    const planned = SCENARIO_CALLS[scenario];
    // Auth scenarios' servers expose one tool behind the token; calling it proves the token is accepted.
    const call = planned ?? (tools[0] ? { tool: tools[0].name, args: {} } : undefined);
    if (call) await connection.client.callTool({ name: call.tool, arguments: call.args });
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
