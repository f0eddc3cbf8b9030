import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { McpServer, WebStandardStreamableHTTPServerTransport, createMcpHandler } from '@modelcontextprotocol/server';
import { z } from 'zod';
import { connect } from '../../src/client/index.js';
import { serveFetch } from '../helpers/fetch-server.js';
import { textOf } from '../helpers/platform.js';
import { closeAll } from '../helpers/teardown.js';

/**
 * The client's default (`protocol: 'auto'`) against servers that speak one revision only, over real HTTP: a
 * 2025-11-25 server with sessions that knows nothing of server/discover (AgentCore today, like
 * test/fixtures/legacy-only-server.ts over stdio) and a 2026-07-28 server that refuses initialize (like
 * test/fixtures/modern-only-server.ts).
 */

function textTool(name: string, version: string, tool: string, transform: (text: string) => string): McpServer {
  const server = new McpServer({ name, version }, { capabilities: { tools: {} } });
  server.registerTool(tool, { description: `${tool} text`, inputSchema: z.object({ text: z.string() }) }, async ({ text }) => ({
    content: [{ type: 'text', text: transform(text) }],
  }));
  return server;
}

/** A 2025-11-25-only server: sessions opened by initialize, one SDK session transport each; no server/discover. */
function legacyOnlyHandler(): (request: Request) => Promise<Response> {
  const sessions = new Map<string, WebStandardStreamableHTTPServerTransport>();
  return async (request) => {
    const id = request.headers.get('mcp-session-id');
    if (id) return sessions.get(id)?.handleRequest(request) ?? new Response('unknown session', { status: 404 });
    const transport = new WebStandardStreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      onsessioninitialized: (opened) => void sessions.set(opened, transport),
    });
    await textTool('legacy-only', '1.0.0', 'shout', (text) => text.toUpperCase()).connect(transport);
    return transport.handleRequest(request);
  };
}

describe("connect()'s default protocol against single-revision servers", () => {
  let legacy: Awaited<ReturnType<typeof serveFetch>>;
  let modern: Awaited<ReturnType<typeof serveFetch>>;
  const modernHandler = createMcpHandler(() => textTool('modern-only', '2.0.0', 'whisper', (text) => text.toLowerCase()), { legacy: 'reject' });

  before(async () => {
    legacy = await serveFetch(legacyOnlyHandler());
    modern = await serveFetch((request) => modernHandler.fetch(request));
  });
  after(() =>
    closeAll(
      () => legacy?.close(),
      () => modern?.close(),
    ),
  );

  it('falls back to a 2025-11-25 session with a server that speaks only that, without being told', async () => {
    const connection = await connect({ target: `${legacy.base}/mcp` });
    try {
      assert.equal(connection.client.getNegotiatedProtocolVersion(), '2025-11-25');
      assert.equal(connection.client.getServerVersion()?.name, 'legacy-only');
      assert.equal(textOf(await connection.client.callTool({ name: 'shout', arguments: { text: 'quiet' } })), 'QUIET');
    } finally {
      await connection.close();
    }
  });

  it('speaks 2026-07-28 with a server that speaks only that', async () => {
    const connection = await connect({ target: `${modern.base}/mcp` });
    try {
      assert.equal(connection.client.getNegotiatedProtocolVersion(), '2026-07-28');
      assert.equal(connection.client.getServerVersion()?.name, 'modern-only');
      assert.equal(textOf(await connection.client.callTool({ name: 'whisper', arguments: { text: 'LOUD' } })), 'loud');
    } finally {
      await connection.close();
    }
  });

  it('fails with a clear error when forced to the revision the server does not speak', async () => {
    const fix = /the server does not speak the revision forced by --protocol: leave it at auto/;
    await assert.rejects(connect({ target: `${modern.base}/mcp`, protocol: '2025-11-25' }), fix);
    await assert.rejects(connect({ target: `${legacy.base}/mcp`, protocol: '2026-07-28' }), fix);
  });
});
