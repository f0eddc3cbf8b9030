/**
 * Conformance client: the Toolport client library (`connect()` from src/client) driven through the official
 * `@modelcontextprotocol/conformance` client scenarios.
 *
 * The suite runs `<command> <server-url>` once per scenario, with the scenario's name in MCP_CONFORMANCE_SCENARIO and,
 * for scenarios that hand out credentials, a JSON object in MCP_CONFORMANCE_CONTEXT. It judges what goes over the
 * wire, so this program only has to behave as a user of the library would: connect (signing in when the server
 * asks, answering elicitations with the schema's defaults), list the tools, call the ones the scenario is about (the
 * calls it hands out in MCP_CONFORMANCE_CONTEXT.toolCalls, else its own), and close. Exit 0 when that worked.
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
  'json-schema-2020-12-preservation': {
    tool: 'json_schema_echo',
    args: (tools) => ({ schema: tools.find((tool) => tool.name === 'json_schema_2020_12_tool')?.inputSchema }),
  },
};

/** Scenarios whose checks need every listed tool called once (SEP-2322: each tool is one multi-round-trip case). */
const CALL_EVERY_TOOL = new Set(['sep-2322-client-request-state']);

/** Credentials some auth scenarios hand to the client (MCP_CONFORMANCE_CONTEXT). */
interface ScenarioContext {
  client_id?: string;
  client_secret?: string;
  /** The calls to make, in order (http-custom-headers: arguments mirrored into Mcp-Param-* headers). */
  toolCalls?: { name: string; arguments: Record<string, unknown> }[];
}

function scenarioContext(): ScenarioContext {
  return JSON.parse(process.env.MCP_CONFORMANCE_CONTEXT ?? '{}') as ScenarioContext;
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

/** Scenarios of the client-credentials extension (SEP-1046) that Toolport's `m2m` mode speaks: a machine client. */
const M2M_SCENARIOS = new Set(['auth/client-credentials-basic']);

/**
 * The library's `mcp` auth mode (the spec's discovery, registration and PKCE), unattended, tokens in memory only; for
 * a machine-client scenario, `m2m` with the credentials handed out, the issuer found through the server's metadata.
 */
function authFor(scenario: string): AuthOptions {
  if (!scenario.startsWith('auth/')) return { mode: 'none' };
  const context = scenarioContext();
  if (M2M_SCENARIOS.has(scenario)) {
    return {
      mode: 'm2m',
      cache: false,
      ...(context.client_id ? { clientId: context.client_id } : {}),
      ...(context.client_secret ? { clientSecret: context.client_secret } : {}),
    };
  }
  return {
    mode: 'mcp',
    openBrowser: false,
    onAuthorizationUrl: followAuthorizationUrl,
    cache: false,
    loginTimeoutMs: 20_000,
    // The suite's stand-in for a client metadata document this client would publish (SEP-991); authorization servers
    // that advertise client_id_metadata_document_supported get it as the client id, the others a registration.
    clientMetadataUrl: 'https://conformance-test.local/client-metadata.json',
    ...(context.client_id ? { clientId: context.client_id } : {}),
    ...(context.client_secret ? { clientSecret: context.client_secret } : {}),
  };
}

/** The tool calls a scenario is about, in order. */
function plannedCalls(scenario: string, tools: ListedTool[]): { name: string; arguments: Record<string, unknown> }[] {
  const handedOut = scenarioContext().toolCalls;
  if (handedOut) return handedOut;
  if (CALL_EVERY_TOOL.has(scenario)) return tools.map((tool) => ({ name: tool.name, arguments: {} }));
  const planned = SCENARIO_CALLS[scenario];
  if (!planned) {
    // Auth scenarios' servers expose one tool behind the token; calling it proves the token is accepted.
    return tools[0] ? [{ name: tools[0].name, arguments: {} }] : [];
  }
  if (!tools.some((listed) => listed.name === planned.tool)) throw new Error(`scenario ${scenario}: the server lists no tool ${planned.tool}`);
  return [{ name: planned.tool, arguments: planned.args(tools) }];
}

async function main(): Promise<void> {
  const scenario = process.env.MCP_CONFORMANCE_SCENARIO;
  const serverUrl = process.argv[2];
  if (!scenario || !serverUrl) throw new Error('usage: MCP_CONFORMANCE_SCENARIO=<scenario> client.ts <server-url>');
  // 'auto': 2026-07-28 where the scenario server speaks it, else a 2025-11-25 session, as a user's client would.
  const connection = await connect({
    target: serverUrl,
    auth: authFor(scenario),
    protocol: 'auto',
    clientName: 'toolport-conformance-client',
    timeoutMs: 20_000,
    // What an unattended user would answer: accept, with the values the server proposes (SEP-1034 defaults).
    elicitation: 'accept-defaults',
  });
  try {
    // Listing first also gives the client the input schemas it mirrors x-mcp-header parameters from (SEP-2243).
    const { tools } = await connection.client.listTools();
    for (const call of plannedCalls(scenario, tools as ListedTool[])) await connection.client.callTool(call);
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
