// A real MCP server over Streamable HTTP on 127.0.0.1, built on the SDK (`createMcpHandler`, both revisions), with a
// tool list the test chooses and a record of every call that reached it — the gateway tests' remote target.
import { readFileSync } from 'node:fs';
import { createServer, type Server as HttpServer } from 'node:http';
import { randomUUID } from 'node:crypto';
import {
  McpServer,
  Server,
  WebStandardStreamableHTTPServerTransport,
  createMcpHandler,
  type CallToolResult,
  type ServerContext,
  type Tool,
} from '@modelcontextprotocol/server';
import { readBody, sendFetchResponse, toFetchRequest } from '../../src/http/index.js';

/** What a fixture tool does when called; default: echoes its name and arguments as text. `log` is the SDK's per-call logger. */
export type ToolBehaviour = (name: string, args: Record<string, unknown>, signal: AbortSignal, log: ServerContext['mcpReq']['log']) => Promise<CallToolResult>;

export interface Upstream {
  url: string;
  port: number;
  /** Every tools/call that reached this server, in order. */
  calls: { name: string; args: Record<string, unknown> }[];
  /** The Authorization header of every HTTP request that reached this server (undefined when absent). */
  authorizations: (string | undefined)[];
  /** The MCP-Protocol-Version header of every HTTP request that carried one. */
  protocolVersions: string[];
  tools: Tool[];
  /** Replaces the tool list (the next sync sees it). */
  setTools(tools: Tool[]): void;
  /** Announces a tool-list change to subscribed clients (2026-07-28 subscriptions/listen). */
  announce(): void;
  /** legacyOnly: forgets every session, as a restarted server would (clients then get 404). */
  forgetSessions(): void;
  /** legacyOnly: sessions opened so far. */
  sessionsOpened: number;
  /** Tears down every open connection (the client's next request opens a new one). */
  dropConnections(): void;
  close(): Promise<void>;
}

const echo: ToolBehaviour = async (name, args) => ({ content: [{ type: 'text', text: `${name} ${JSON.stringify(args)}` }] });

/** Starts a fixture MCP server on `port` (0 = free port); upstream pages hold `pageSize` tools. */
export async function startUpstream(options: {
  tools: Tool[];
  behaviour?: ToolBehaviour;
  port?: number;
  pageSize?: number;
  /** Speak only 2025-11-25 with sessions (no server/discover), like servers on older SDKs. */
  legacyOnly?: boolean;
  /** Declare the `logging` capability (2025-11-25 logging/setLevel; 2026-07-28 the envelope's log level). */
  logging?: boolean;
  /** A server of the test's own instead of the tool list and behaviour above (one is built per session or request). */
  server?: () => McpServer;
}): Promise<Upstream> {
  const state = { tools: options.tools, sessionsOpened: 0 };
  const calls: Upstream['calls'] = [];
  const authorizations: Upstream['authorizations'] = [];
  const protocolVersions: string[] = [];
  const behaviour = options.behaviour ?? echo;
  const pageSize = options.pageSize ?? 1000;
  const sessions = new Map<string, WebStandardStreamableHTTPServerTransport>();
  const build = (): Server | McpServer => {
    if (options.server) return options.server();
    const server = new Server(
      { name: 'fixture-upstream', version: '1.0.0' },
      { capabilities: { tools: { listChanged: true }, ...(options.logging ? { logging: {} } : {}) } },
    );
    server.setRequestHandler('tools/list', async (request) => {
      const start = Number(request.params?.cursor ?? 0);
      const next = start + pageSize;
      return { tools: state.tools.slice(start, next), ...(next < state.tools.length ? { nextCursor: String(next) } : {}) };
    });
    server.setRequestHandler('tools/call', async (request, ctx) => {
      const args = request.params.arguments ?? {};
      calls.push({ name: request.params.name, args });
      return behaviour(request.params.name, args, ctx.mcpReq.signal, ctx.mcpReq.log);
    });
    return server;
  };
  const handler = createMcpHandler(build);
  /** The 2025-only leg: one transport per session; unknown session ids get 404 (spec 2025-11-25 §session-management). */
  const legacy = async (request: Request): Promise<Response> => {
    const id = request.headers.get('mcp-session-id');
    if (id) {
      const transport = sessions.get(id);
      return transport
        ? transport.handleRequest(request)
        : new Response(JSON.stringify({ jsonrpc: '2.0', id: null, error: { code: -32001, message: 'Session not found' } }), { status: 404 });
    }
    const server = build();
    const transport = new WebStandardStreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      onsessioninitialized: (sessionId) => {
        state.sessionsOpened++;
        sessions.set(sessionId, transport);
      },
    });
    await server.connect(transport);
    return transport.handleRequest(request);
  };
  const http: HttpServer = createServer((req, res) => {
    const abort = new AbortController();
    res.on('close', () => abort.abort());
    authorizations.push(req.headers.authorization);
    const version = req.headers['mcp-protocol-version'];
    if (typeof version === 'string') protocolVersions.push(version);
    void (async () => {
      const body = req.method === 'POST' ? await readBody(req, 64 * 1024 * 1024) : undefined;
      const request = toFetchRequest(req, body, abort.signal);
      await sendFetchResponse(res, options.legacyOnly ? await legacy(request) : await handler.fetch(request));
    })().catch(() => {
      if (!res.headersSent) res.writeHead(500).end();
    });
  });
  await new Promise<void>((resolve) => http.listen(options.port ?? 0, '127.0.0.1', resolve));
  const port = (http.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}/mcp`,
    port,
    calls,
    authorizations,
    protocolVersions,
    get tools() {
      return state.tools;
    },
    setTools(tools) {
      state.tools = tools;
    },
    announce() {
      handler.notify.toolsChanged();
    },
    forgetSessions() {
      sessions.clear();
    },
    get sessionsOpened() {
      return state.sessionsOpened;
    },
    dropConnections() {
      http.closeAllConnections();
    },
    async close() {
      await handler.close();
      http.closeAllConnections();
      await new Promise((done) => http.close(done));
    },
  };
}

/** Simple fixture tools: `{name}` taking a required string `text`. */
export function textTools(...names: string[]): Tool[] {
  return names.map((name) => ({
    name,
    description: `The ${name.replace(/_/g, ' ')} tool`,
    inputSchema: { type: 'object', properties: { text: { type: 'string', description: 'Any text' } }, required: ['text'] },
  }));
}

/** The 2,480 real API tools of the tool-retrieval dataset (data/tool-retrieval/tools.jsonl). */
export function realTools(): Tool[] {
  const file = new URL('../../data/tool-retrieval/tools.jsonl', import.meta.url);
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const { name, description, inputSchema } = JSON.parse(line) as Tool;
      return { name, description, inputSchema };
    });
}
