// A real MCP server on 127.0.0.1 whose tools need the client: one elicits, one samples, one lists roots, and one
// declares x-mcp-header parameters (SEP-2243). Built on the SDK's McpServer and served at both revisions on one URL:
// 2025-11-25 with sessions (the SDK's legacy shim turns each `inputRequired` into a real server-to-client request),
// 2026-07-28 per request (`input_required` results the client fulfils and retries, SEP-2322).
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  McpServer,
  WebStandardStreamableHTTPServerTransport,
  acceptedContent,
  createMcpHandler,
  fromJsonSchema,
  inputRequired,
  inputResponse,
  isLegacyRequest,
} from '@modelcontextprotocol/server';
import { z } from 'zod';
import { readBody, sendFetchResponse, toFetchRequest } from '../../src/http/bridge.js';

/** The form the `deploy` tool asks for, with SEP-1034 defaults. */
export const DEPLOY_FORM = {
  type: 'object' as const,
  properties: {
    environment: { type: 'string' as const, enum: ['staging', 'production'], default: 'staging' },
    replicas: { type: 'integer' as const, description: 'how many', default: 2 },
    notify: { type: 'boolean' as const, default: true },
    reason: { type: 'string' as const, description: 'why now' },
  },
  required: ['environment'],
};

/** The input schema of `regional`: two parameters mirrored into Mcp-Param-* headers, one not. */
const REGIONAL_INPUT = {
  type: 'object',
  properties: {
    region: { type: 'string', 'x-mcp-header': 'Region' },
    priority: { type: 'integer', 'x-mcp-header': 'Priority' },
    note: { type: 'string' },
  },
  required: ['region'],
};

function text(value: string): { content: [{ type: 'text'; text: string }] } {
  return { content: [{ type: 'text', text: value }] };
}

function inputTools(): McpServer {
  const server = new McpServer({ name: 'input-server', version: '1.0.0' }, { capabilities: { tools: {} } });
  server.registerTool('deploy', { description: 'deploys after asking how', inputSchema: z.object({}) }, async (_args, ctx) => {
    const answer = inputResponse(ctx.mcpReq.inputResponses, 'form');
    if (answer.kind !== 'elicit')
      return inputRequired({ inputRequests: { form: inputRequired.elicit({ message: 'How should I deploy?', requestedSchema: DEPLOY_FORM }) } });
    return text(JSON.stringify({ action: answer.action, content: acceptedContent(ctx.mcpReq.inputResponses, 'form') ?? null }));
  });
  server.registerTool(
    'summarize',
    { description: "summarizes with the client's model", inputSchema: z.object({ topic: z.string() }) },
    async ({ topic }, ctx) => {
      const answer = inputResponse(ctx.mcpReq.inputResponses, 'model');
      if (answer.kind !== 'sampling') {
        const request = { messages: [{ role: 'user' as const, content: { type: 'text' as const, text: `Summarize ${topic}` } }], maxTokens: 50 };
        return inputRequired({ inputRequests: { model: inputRequired.createMessage(request) } });
      }
      const content = answer.result.content as { type: string; text?: string };
      return text(`model ${String(answer.result.model)} said: ${content.text ?? `[${content.type}]`}`);
    },
  );
  server.registerTool('where', { description: "lists the client's roots", inputSchema: z.object({}) }, async (_args, ctx) => {
    const answer = inputResponse(ctx.mcpReq.inputResponses, 'roots');
    if (answer.kind !== 'roots') return inputRequired({ inputRequests: { roots: inputRequired.listRoots() } });
    return text(answer.roots.map((root) => root.uri).join(' '));
  });
  server.registerTool('regional', { description: 'routed by region', inputSchema: fromJsonSchema(REGIONAL_INPUT) }, async (args) => text(JSON.stringify(args)));
  return server;
}

/** The running server: its URL, and the headers of every tools/call it received (to see Mcp-Param-* arrive). */
export interface InputServer {
  url: string;
  toolCallHeaders: IncomingHttpHeaders[];
  close(): Promise<void>;
}

/** Starts the server on a free loopback port. */
export async function startInputServer(): Promise<InputServer> {
  const sessions = new Map<string, WebStandardStreamableHTTPServerTransport>();
  const modern = createMcpHandler(() => inputTools(), { legacy: 'reject' });
  const toolCallHeaders: IncomingHttpHeaders[] = [];
  const legacy = async (request: Request, body: unknown): Promise<Response> => {
    const id = request.headers.get('mcp-session-id');
    if (id) return sessions.get(id)?.handleRequest(request, { parsedBody: body }) ?? new Response('unknown session', { status: 404 });
    const transport = new WebStandardStreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      onsessioninitialized: (opened) => void sessions.set(opened, transport),
    });
    await inputTools().connect(transport);
    return transport.handleRequest(request, { parsedBody: body });
  };
  const server = createServer((req, res) => {
    void (async () => {
      const raw = req.method === 'POST' ? await readBody(req, 1_000_000) : undefined;
      const body: unknown = raw ? JSON.parse(raw.toString('utf8')) : undefined;
      if ((body as { method?: string } | undefined)?.method === 'tools/call') toolCallHeaders.push(req.headers);
      const request = toFetchRequest(req, raw);
      await sendFetchResponse(res, (await isLegacyRequest(request, body)) ? await legacy(request, body) : await modern.fetch(request, { parsedBody: body }));
    })().catch((error: unknown) => res.destroy(error as Error));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`,
    toolCallHeaders,
    async close() {
      await Promise.all([...sessions.values()].map((transport) => transport.close()));
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
