import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type ConnectOptions, type ElicitationHandler } from '../../src/client/index.js';
import { textOf } from '../helpers/platform.js';
import { DEPLOY_FORM, startInputServer, type InputServer } from './input-server.js';

/**
 * connect()'s client features over real HTTP, at both revisions: a 2025-11-25 session gets real server-to-client
 * requests, a 2026-07-28 call gets an `input_required` result that the client fulfils with the same handlers and
 * retries (SEP-2322). The server's tools read the answers back, so each assert proves the answer reached the server.
 */
const ERAS = ['2025-11-25', '2026-07-28'] as const;

describe('connect() answers elicitation, sampling and roots', () => {
  let server: InputServer;
  before(async () => {
    server = await startInputServer();
  });
  after(async () => {
    await server.close();
  });

  async function call(options: Partial<ConnectOptions>, tool: string, args: Record<string, unknown> = {}): Promise<string> {
    const connection = await connect({ target: server.url, ...options });
    try {
      return textOf(await connection.client.callTool({ name: tool, arguments: args }));
    } finally {
      await connection.close();
    }
  }

  for (const protocol of ERAS) {
    describe(`at ${protocol}`, () => {
      it("accepts with the schema's defaults when told to (SEP-1034)", async () => {
        const answer = JSON.parse(await call({ protocol, elicitation: 'accept-defaults' }, 'deploy')) as unknown;
        assert.deepEqual(answer, { action: 'accept', content: { environment: 'staging', replicas: 2, notify: true } });
      });

      it("passes the caller's handler the message and schema, and fills what its answer leaves out with defaults", async () => {
        const seen: Parameters<ElicitationHandler>[0][] = [];
        const elicitation: ElicitationHandler = async (request) => {
          seen.push(request);
          return { action: 'accept', content: { environment: 'production', reason: 'hotfix' } };
        };
        const answer = JSON.parse(await call({ protocol, elicitation }, 'deploy')) as unknown;
        assert.deepEqual(answer, { action: 'accept', content: { environment: 'production', replicas: 2, notify: true, reason: 'hotfix' } });
        assert.equal(seen.length, 1);
        assert.equal(seen[0]?.message, 'How should I deploy?');
        assert.deepEqual(seen[0]?.requestedSchema.properties, DEPLOY_FORM.properties);
      });

      it('declines and cancels when told to, without content', async () => {
        assert.deepEqual(JSON.parse(await call({ protocol, elicitation: 'decline' }, 'deploy')), { action: 'decline', content: null });
        assert.deepEqual(JSON.parse(await call({ protocol, elicitation: 'cancel' }, 'deploy')), { action: 'cancel', content: null });
      });

      it("answers sampling with the caller's model", async () => {
        const prompts: string[] = [];
        const sampling: ConnectOptions['sampling'] = async (request) => {
          const content = request.messages[0]?.content as { text?: string };
          prompts.push(content.text ?? '');
          return { role: 'assistant', model: 'test-model', content: { type: 'text', text: 'short and sweet' } };
        };
        assert.equal(await call({ protocol, sampling }, 'summarize', { topic: 'tides' }), 'model test-model said: short and sweet');
        assert.deepEqual(prompts, ['Summarize tides']);
      });

      it('lists the roots it was given', async () => {
        const roots = [{ uri: 'file:///work/a', name: 'a' }, { uri: 'file:///work/b' }];
        assert.equal(await call({ protocol, roots }, 'where'), 'file:///work/a file:///work/b');
      });

      it('declares no capability it was given no handler for, so the server knows not to ask', async () => {
        // 2025-11-25: the SDK's shim reports it as a tool error; 2026-07-28: the server refuses the call.
        const refusal = await call({ protocol }, 'deploy').catch((error: unknown) => (error as Error).message);
        assert.match(refusal, /Cannot request input 'form' \(elicitation\/create\).*did not declare|do not declare the required capability/);
      });
    });
  }

  it('mirrors x-mcp-header parameters into Mcp-Param-* headers at 2026-07-28, from the listed schema (SEP-2243)', async () => {
    const connection = await connect({ target: server.url, protocol: '2026-07-28' });
    try {
      await connection.client.listTools();
      const before = server.toolCallHeaders.length;
      await connection.client.callTool({ name: 'regional', arguments: { region: 'eu-west', priority: 7, note: 'not mirrored' } });
      const headers = server.toolCallHeaders.slice(before);
      assert.equal(headers.length, 1);
      assert.equal(headers[0]?.['mcp-param-region'], 'eu-west');
      assert.equal(headers[0]?.['mcp-param-priority'], '7');
      assert.equal(headers[0]?.['mcp-param-note'], undefined);
    } finally {
      await connection.close();
    }
  });

  it('learns the schema when a server refuses a call made before any listing, and retries with the headers', async () => {
    const connection = await connect({ target: server.url, protocol: '2026-07-28' });
    try {
      const before = server.toolCallHeaders.length;
      const result = await connection.client.callTool({ name: 'regional', arguments: { region: 'Zürich', priority: 3 } });
      assert.deepEqual(JSON.parse(textOf(result)), { region: 'Zürich', priority: 3 });
      const [first, retry] = server.toolCallHeaders.slice(before);
      assert.equal(first?.['mcp-param-region'], undefined);
      // Not visible ASCII, so Base64 in the =?base64?…?= form (SEP-2243 value encoding).
      assert.equal(retry?.['mcp-param-region'], `=?base64?${Buffer.from('Zürich').toString('base64')}?=`);
      assert.equal(retry?.['mcp-param-priority'], '3');
    } finally {
      await connection.close();
    }
  });
});
