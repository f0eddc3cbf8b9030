// The mcp driver sends tools/call straight over the upstream session's transport (targets/mcp/forward-call.ts) instead
// of through the SDK's Client.callTool. Both are asked the same questions of the same server, on both revisions, and
// must give the same answers: results, tool errors, JSON-RPC errors and progress. The driver's one deliberate change,
// the upstream's server info dropped from a result (the gateway is the server toward its caller), is applied to the
// SDK's answer too.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { McpServer } from '@modelcontextprotocol/server';
import { z } from 'zod';
import { mcpTargetSchema } from '../../src/config/index.js';
import { createMcpTarget } from '../../src/gateway/targets/mcp.js';
import { asGatewayResult } from '../../src/gateway/targets/mcp/gateway-result.js';
import type { CallContext, TargetDriver } from '../../src/gateway/targets/types.js';
import { closeAll } from '../helpers/teardown.js';
import { startUpstream, type Upstream } from './upstream.js';

type Progress = { progress: number; total?: number; message?: string };
/** What one call came to: its result or its error's JSON-RPC fields, and the progress seen on the way. */
type Answer = { result?: unknown; error?: { name: string; code?: unknown; message: string; data?: unknown }; progress: Progress[] };

const LARGE_TEXT = 'x'.repeat(2 * 1024 * 1024);

/** One tool per kind of answer a tools/call can get. */
function answeringServer(): McpServer {
  const server = new McpServer({ name: 'answers', version: '1.0.0' }, { capabilities: { tools: {} } });
  server.registerTool('text', { inputSchema: z.object({ text: z.string() }) }, async ({ text }) => ({ content: [{ type: 'text', text }] }));
  server.registerTool(
    'structured',
    { inputSchema: z.object({ a: z.number(), b: z.number() }), outputSchema: z.object({ sum: z.number() }) },
    async ({ a, b }) => ({ content: [{ type: 'text', text: String(a + b) }], structuredContent: { sum: a + b } }),
  );
  server.registerTool('refuses', { inputSchema: z.object({}) }, async () => ({ isError: true, content: [{ type: 'text', text: 'not today' }] }));
  server.registerTool('large', { inputSchema: z.object({}) }, async () => ({ content: [{ type: 'text', text: LARGE_TEXT }] }));
  server.registerTool('counts', { inputSchema: z.object({ steps: z.number() }) }, async ({ steps }, ctx) => {
    const progressToken = ctx.mcpReq._meta?.progressToken;
    for (let step = 1; step <= steps; step++) {
      if (progressToken !== undefined)
        await ctx.mcpReq.notify({ method: 'notifications/progress', params: { progressToken, progress: step, total: steps, message: `step ${step}` } });
    }
    return { content: [{ type: 'text', text: `counted to ${steps}` }] };
  });
  server.registerTool('throws', { inputSchema: z.object({}) }, async () => {
    throw new Error('the tool broke');
  });
  return server;
}

/** The calls both paths make, by what each one tests. */
const QUESTIONS: Record<string, { name: string; args: Record<string, unknown> }> = {
  text: { name: 'text', args: { text: 'hello' } },
  'structured content': { name: 'structured', args: { a: 2, b: 3 } },
  'an isError result': { name: 'refuses', args: {} },
  'a large result': { name: 'large', args: {} },
  progress: { name: 'counts', args: { steps: 3 } },
  'a thrown error': { name: 'throws', args: {} },
  'an unknown tool': { name: 'no_such_tool', args: {} },
  'invalid arguments': { name: 'structured', args: { a: 'two' } },
};

async function answerOf(call: (onProgress: (progress: Progress) => void) => Promise<unknown>): Promise<Answer> {
  const progress: Progress[] = [];
  try {
    return { result: await call((seen) => progress.push(seen)), progress };
  } catch (error) {
    const { name, message, code, data } = error as Error & { code?: unknown; data?: unknown };
    return { error: { name, message, code, data }, progress };
  }
}

function callContext(onProgress: CallContext['onProgress']): CallContext {
  return { signal: AbortSignal.timeout(30_000), gateway: 'direct', target: 'answers', prefixedName: 'answers', requestId: 'direct-call-test', onProgress };
}

for (const [era, version] of [
  ['2025-11-25 session', '2025-11-25'],
  ['2026-07-28 per request', '2026-07-28'],
] as const) {
  describe(`the mcp driver's direct tools/call answers as the SDK's callTool does (${era})`, () => {
    let upstream: Upstream;
    let driver: TargetDriver;
    let client: Client;
    /** How many requests the setup made (the driver's server/discover probe may precede a 2025 session). */
    let setupRequests = 0;

    before(async () => {
      const legacyOnly = era === '2025-11-25 session';
      upstream = await startUpstream({ tools: [], server: answeringServer, legacyOnly });
      driver = createMcpTarget(mcpTargetSchema.parse({ name: 'answers', type: 'mcp', url: upstream.url }), { baseDir: process.cwd(), timeoutMs: 30_000 });
      client = new Client({ name: 'direct-call-test', version: '1.0.0' }, { versionNegotiation: { mode: legacyOnly ? 'legacy' : { pin: '2026-07-28' } } });
      await client.connect(new StreamableHTTPClientTransport(new URL(upstream.url)));
      // Both know the tools' output schemas alike (the gateway's sync lists them too).
      await client.listTools();
      await driver.catalog(AbortSignal.timeout(30_000));
      setupRequests = upstream.protocolVersions.length;
    });
    after(() =>
      closeAll(
        () => client?.close(),
        () => driver?.close(),
        () => upstream?.close(),
      ),
    );

    for (const [what, { name, args }] of Object.entries(QUESTIONS)) {
      it(`answers ${what} alike`, async () => {
        const direct = await answerOf((onProgress) => driver.callTool(name, args, callContext(onProgress)));
        const sdk = await answerOf((onProgress) => client.callTool({ name, arguments: args }, { onprogress: onProgress }));
        assert.deepEqual(direct, sdk.result ? { ...sdk, result: asGatewayResult(sdk.result as Record<string, unknown>) } : sdk);
        if (what === 'progress') assert.equal(direct.progress.length, 3, 'progress reached both');
        assert.deepEqual(new Set(upstream.protocolVersions.slice(setupRequests)), new Set([version]), `both asked in ${version}`);
      });
    }
  });
}
