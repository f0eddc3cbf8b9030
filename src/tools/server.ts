import { createServer as createHttpServer, type Server as HttpServer, type ServerResponse } from 'node:http';
import { fetchThroughEnvProxy } from './proxy-fetch.js';
import { parseArgs } from 'node:util';
import { InMemoryTransport, McpServer, createMcpHandler, type CallToolResult, type ServerContext } from '@modelcontextprotocol/server';
import { serveStdio } from '@modelcontextprotocol/server/stdio';
import { errorAnswer, newRequestId, ToolportError } from '../errors/index.js';
import { readBody, SESSION_PROTOCOL_VERSION, sendFetchResponse, toFetchRequest } from '../http/index.js';
import { isToolDefinition, type ToolContext, type ToolDefinition } from './define.js';

/** Server identity shown in `initialize` / `server/discover`. */
export interface ToolServerInfo {
  name: string;
  version?: string;
}

function toResult(tool: ToolDefinition, value: unknown): CallToolResult {
  if (typeof value === 'string') return { content: [{ type: 'text', text: value }] };
  if (value && typeof value === 'object' && Array.isArray((value as CallToolResult).content)) return value as CallToolResult;
  const text = JSON.stringify(value);
  return tool.output ? { content: [{ type: 'text', text }], structuredContent: value as Record<string, unknown> } : { content: [{ type: 'text', text }] };
}

function toolContext(ctx: ServerContext): ToolContext {
  const token = ctx.mcpReq._meta?.progressToken;
  return {
    signal: ctx.mcpReq.signal,
    progress: async (progress, total, message) => {
      if (token === undefined) return;
      await ctx.mcpReq.notify({
        method: 'notifications/progress',
        params: { progressToken: token, progress, ...(total === undefined ? {} : { total }), ...(message ? { message } : {}) },
      });
    },
  };
}

/** Builds an MCP server exposing the given tools (one instance per connection or request). */
export function createToolServer(tools: readonly ToolDefinition[], info: ToolServerInfo): McpServer {
  const server = new McpServer({ name: info.name, version: info.version ?? '1.0.0' }, { capabilities: { tools: {} } });
  for (const tool of tools) {
    const config = {
      description: tool.description,
      inputSchema: tool.input,
      ...(tool.title ? { title: tool.title } : {}),
      ...(tool.output ? { outputSchema: tool.output } : {}),
      ...(tool.annotations ? { annotations: tool.annotations } : {}),
    };
    server.registerTool(tool.name, config, async (args: unknown, ctx: ServerContext) => {
      try {
        return toResult(tool, await tool.handler(args as never, toolContext(ctx)));
      } catch (error) {
        return { isError: true, content: [{ type: 'text', text: `${tool.name} failed: ${(error as Error).message}` }] };
      }
    });
  }
  return server;
}

/**
 * How a worker Toolport starts says it has loaded and reads stdin: with the env variable set, the server writes this
 * notification once. A warm pool hands out only workers that said so. It is not a request, so it cannot pin the
 * server to a protocol revision (as a ping before the caller's first request would).
 */
export const WORKER_READY = { env: 'TOOLPORT_ANNOUNCE_READY', method: 'notifications/toolport/ready' } as const;

/** Serves the tools over stdio, answering both protocol revisions. */
export async function serveToolsStdio(tools: readonly ToolDefinition[], info: ToolServerInfo): Promise<{ close(): Promise<void> }> {
  await warmUp(tools, info);
  const served = await serveStdio(() => createToolServer(tools, info));
  announceReady();
  return served;
}

/** Says WORKER_READY on stdout when the runtime asked for it; call once the stdio server reads stdin. */
export function announceReady(): void {
  if (!process.env[WORKER_READY.env]) return;
  // Consumed here: the tools' own code sees only the environment its runtime configured.
  delete process.env[WORKER_READY.env];
  process.stdout.write(`${JSON.stringify({ jsonrpc: '2.0', method: WORKER_READY.method })}\n`);
}

/**
 * Runs initialize, tools/list and an unknown-tool call through an in-memory copy of the server before serving, so the SDK's schema
 * registry and zod's parsers are built while the process waits in a runtime's warm pool, not during a caller's
 * first request (that first request was ~50 ms slower without this). Real stdin input waits in the pipe meanwhile.
 */
async function warmUp(tools: readonly ToolDefinition[], info: ToolServerInfo): Promise<void> {
  const [callerSide, serverSide] = InMemoryTransport.createLinkedPair();
  const server = createToolServer(tools, info);
  await server.connect(serverSide);
  const answered = new Map<number, () => void>();
  callerSide.onmessage = (message) => answered.get((message as { id?: number }).id ?? -1)?.();
  await callerSide.start();
  const ask = (id: number, method: string, params: Record<string, unknown> = {}): Promise<void> =>
    new Promise<void>((resolve) => {
      answered.set(id, resolve);
      void callerSide.send({ jsonrpc: '2.0', id, method, params });
    });
  await ask(1, 'initialize', { protocolVersion: SESSION_PROTOCOL_VERSION, capabilities: {}, clientInfo: { name: 'toolport-warm-up', version: '1' } });
  await callerSide.send({ jsonrpc: '2.0', method: 'notifications/initialized' });
  await ask(2, 'tools/list');
  // The tools/call path without running any handler: an unknown tool name, and each schema's parser compiled directly.
  await ask(3, 'tools/call', { name: 'toolport-warm-up-no-such-tool', arguments: {} });
  for (const tool of tools) {
    tool.input.safeParse({});
    tool.output?.safeParse({});
  }
  await server.close();
}

/** Serves the tools over Streamable HTTP at `path` on host:port (both revisions; 2025 clients served statelessly). */
export async function serveToolsHttp(
  tools: readonly ToolDefinition[],
  info: ToolServerInfo,
  options: { host?: string; port: number; path?: string },
): Promise<HttpServer> {
  const handler = createMcpHandler(() => createToolServer(tools, info));
  const path = options.path ?? '/mcp';
  const fail = (res: ServerResponse, thrown: unknown): void => {
    const requestId = newRequestId();
    const answer = errorAnswer(thrown, requestId);
    // This server has no logger of its own: stderr is where its host (a terminal or a runtime's worker log) looks.
    if (answer.status >= 500) console.error(`request ${requestId} failed:`, thrown);
    if (res.headersSent) return void res.end();
    res.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers }).end(JSON.stringify(answer.body));
  };
  const server = createHttpServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname !== path) return fail(res, new ToolportError('not_found', `no MCP endpoint at ${url.pathname}; use ${path}`));
    readBody(req, 100 * 1024 * 1024)
      .then((body) => handler.fetch(toFetchRequest(req, body)))
      .then((response) => sendFetchResponse(res, response))
      .catch((error: unknown) => fail(res, error));
  });
  await new Promise<void>((resolve) => server.listen(options.port, options.host ?? '127.0.0.1', resolve));
  return server;
}

/**
 * Command-line entry for a tool server: stdio by default; `--http` serves Streamable HTTP on `--host` (default
 * 127.0.0.1), `--port` (default $PORT or 8000; 0 picks a free one) and `--path` (default /mcp), then prints
 * `<name> listening on http://host:port/path` (the bound port) to stderr. An invalid port exits with code 2. The
 * global `fetch` goes through HTTPS_PROXY when one is set (a sandbox's egress proxy).
 */
export async function serveTools(tools: readonly ToolDefinition[], info: ToolServerInfo, argv: string[] = process.argv.slice(2)): Promise<void> {
  await fetchThroughEnvProxy();
  const { values } = parseArgs({
    args: argv,
    options: {
      http: { type: 'boolean', default: false },
      port: { type: 'string', default: process.env.PORT ?? '8000' },
      path: { type: 'string', default: '/mcp' },
      host: { type: 'string', default: '127.0.0.1' },
    },
  });
  if (!values.http) {
    await serveToolsStdio(tools, info);
    return;
  }
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    process.stderr.write(`--port must be an integer from 0 to 65535, got "${values.port}"\n`);
    process.exit(2);
  }
  const server = await serveToolsHttp(tools, info, { host: values.host, port, path: values.path });
  // Print the bound port, not the requested one, so `--port 0` works for callers that need a free port.
  const address = server.address();
  const bound = typeof address === 'object' && address ? address.port : port;
  process.stderr.write(`${info.name} listening on http://${values.host}:${bound}${values.path}\n`);
}

/** Collects every defineTool export of a loaded module (default export may also be an array of tools). */
export function toolsOfModule(module: Record<string, unknown>): ToolDefinition[] {
  const found: ToolDefinition[] = [];
  for (const value of Object.values(module)) {
    if (isToolDefinition(value)) found.push(value);
    else if (Array.isArray(value)) found.push(...value.filter(isToolDefinition));
  }
  return [...new Map(found.map((tool) => [tool.name, tool])).values()];
}
