// The example servers, run as real child processes and driven by the MCP SDK client, as a user's client would.
// Needs `npm run build` first: the examples import the package's own `toolport/tools` (dist).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { Client, StreamableHTTPClientTransport, type CallToolResult } from '@modelcontextprotocol/client';
import { StdioClientTransport, getDefaultEnvironment } from '@modelcontextprotocol/client/stdio';

const GREET_SERVER = fileURLToPath(new URL('../examples/greet/server.js', import.meta.url));
const WEB_SEARCH_SERVER = fileURLToPath(new URL('../examples/web-search/server.js', import.meta.url));

async function connectStdio(script: string, env: Record<string, string> = {}): Promise<Client> {
  // Only the SDK's safe default variables are inherited, so a developer's own OPENAI_API_KEY cannot leak in.
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [script],
    env: { ...getDefaultEnvironment(), ...env },
  });
  const client = new Client({ name: 'examples-test', version: '1.0.0' });
  await client.connect(transport);
  return client;
}

function textOf(result: CallToolResult): string {
  return result.content.map((block) => (block.type === 'text' ? block.text : '')).join('');
}

describe('greet example over stdio', () => {
  let client: Client;
  before(async () => {
    client = await connectStdio(GREET_SERVER);
  });
  after(async () => {
    await client.close();
  });

  test('tools/list carries every argument description in inputSchema', async () => {
    const { tools } = await client.listTools();
    const names = tools.map((tool) => tool.name).sort();
    assert.deepEqual(names, ['crash', 'echo', 'greet_user', 'remember', 'slow_count', 'whoami']);
    const greet = tools.find((tool) => tool.name === 'greet_user');
    assert.equal(greet?.description, 'Greet a user by name');
    assert.deepEqual(greet?.inputSchema.required, ['name']);
    assert.equal((greet?.inputSchema.properties?.name as { description?: string }).description, 'The name of the person to greet');
    for (const tool of tools) {
      for (const [arg, schema] of Object.entries(tool.inputSchema.properties ?? {})) {
        assert.ok((schema as { description?: string }).description, `${tool.name}.${arg} has no description`);
      }
    }
    const crash = tools.find((tool) => tool.name === 'crash');
    assert.equal(crash?.annotations?.destructiveHint, true);
  });

  test('greet_user returns the exact greeting', async () => {
    const result = await client.callTool({ name: 'greet_user', arguments: { name: 'Ren' } });
    assert.notEqual(result.isError, true);
    assert.equal(textOf(result), 'Hello, Ren! Nice to meet you. This is a test message.');
  });

  test('echo round-trips line-breaking and control characters byte-identically', async () => {
    // U+0085 once hung the Python SDK's SSE parser (seed); lone CR, LS, PS and NUL trip naive line splitters.
    const text = 'a\u0085b\u2028c\u2029d\re\u0000f\r\ng\n\u{1F600}';
    const result = await client.callTool({ name: 'echo', arguments: { text } });
    assert.notEqual(result.isError, true);
    assert.deepEqual(Buffer.from(textOf(result), 'utf8'), Buffer.from(text, 'utf8'));
  });

  test('slow_count streams progress before its result', async () => {
    // Own connection, so the wire tap below sees only this call.
    const transport = new StdioClientTransport({ command: process.execPath, args: [GREET_SERVER], env: getDefaultEnvironment() });
    const own = new Client({ name: 'examples-test', version: '1.0.0' });
    await own.connect(transport);
    const wire: string[] = [];
    const deliver = transport.onmessage;
    transport.onmessage = (message, ...rest) => {
      wire.push('method' in message ? `${message.method} ${JSON.stringify(message.params?.progress)}` : 'response');
      deliver?.call(transport, message, ...rest);
    };
    try {
      const events: string[] = [];
      const result = await own.callTool(
        { name: 'slow_count', arguments: { steps: 3, intervalMs: 50 } },
        { onprogress: ({ progress, total }) => void events.push(`progress ${progress}/${total}`) },
      );
      events.push(`result ${textOf(result)}`);
      // The server writes every notification before the response...
      assert.deepEqual(wire, ['notifications/progress 1', 'notifications/progress 2', 'notifications/progress 3', 'response']);
      // ...but SDK 2.4 dispatches notifications a microtask late, so the last one can lose the race with the
      // response and be dropped (typescript-sdk#2580); only the earlier ones are guaranteed to reach onprogress.
      const delivered = events.slice(0, -1);
      assert.deepEqual(delivered, ['progress 1/3', 'progress 2/3', 'progress 3/3'].slice(0, delivered.length));
      assert.ok(delivered.length >= 2, `progress reached onprogress only ${delivered.length} time(s)`);
      assert.equal(events.at(-1), 'result counted to 3');
    } finally {
      await own.close();
    }
  });

  test('slow_count rejects arguments outside its bounds', async () => {
    const result = await client.callTool({ name: 'slow_count', arguments: { steps: 0, intervalMs: 1 } });
    assert.equal(result.isError, true);
  });

  test('remember keeps a value for the life of the process', async () => {
    assert.equal(textOf(await client.callTool({ name: 'remember', arguments: { key: 'k' } })), '(unset)');
    assert.equal(textOf(await client.callTool({ name: 'remember', arguments: { key: 'k', value: 'v1' } })), 'v1');
    assert.equal(textOf(await client.callTool({ name: 'remember', arguments: { key: 'k' } })), 'v1');
  });

  test('whoami names the serving process', async () => {
    const who = JSON.parse(textOf(await client.callTool({ name: 'whoami', arguments: {} }))) as {
      pid: number;
      envKeys: string[];
    };
    assert.ok(Number.isInteger(who.pid) && who.pid !== process.pid);
    assert.deepEqual(who.envKeys, [...who.envKeys].sort());
  });
});

describe('greet example over Streamable HTTP (--http)', () => {
  let child: ChildProcess;
  let url: URL;
  before(async () => {
    child = spawn(process.execPath, [GREET_SERVER, '--http', '--port', '0'], { stdio: ['ignore', 'ignore', 'pipe'] });
    url = await new Promise<URL>((resolve, reject) => {
      let seen = '';
      child.stderr?.on('data', (chunk: Buffer) => {
        seen += chunk.toString('utf8');
        const match = /listening on (http:\/\/\S+)/.exec(seen);
        if (match?.[1]) resolve(new URL(match[1]));
      });
      child.once('exit', (code) => reject(new Error(`server exited with ${code} before listening: ${seen}`)));
    });
  });
  after(() => {
    child.kill();
  });

  test('greet_user answers over HTTP', async () => {
    assert.equal(url.pathname, '/mcp');
    const client = new Client({ name: 'examples-test', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(url));
    try {
      const result = await client.callTool({ name: 'greet_user', arguments: { name: 'HTTP' } });
      assert.equal(textOf(result), 'Hello, HTTP! Nice to meet you. This is a test message.');
    } finally {
      await client.close();
    }
  });
});

/** A stand-in for api.openai.com that speaks the Responses API wire format and records what it was sent. */
interface FakeOpenAI {
  baseURL: string;
  requests: { method: string; path: string; authorization: string; body: Record<string, unknown> }[];
  close(): Promise<void>;
}

const GOOD_KEY = 'sk-test-good-0123456789';
const BAD_KEY = 'sk-test-revoked-9876543210';
const ANSWER = 'LangGraph では langchain-mcp-adapters を使って MCP ツールを読み込みます。';

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
}

async function startFakeOpenAI(): Promise<FakeOpenAI> {
  const requests: FakeOpenAI['requests'] = [];
  const server: Server = createServer((req, res) => {
    readJson(req)
      .then((body) => {
        const authorization = req.headers.authorization ?? '';
        requests.push({ method: req.method ?? '', path: req.url ?? '', authorization, body });
        if (req.method !== 'POST' || req.url !== '/v1/responses') {
          res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: 'not found' } }));
          return;
        }
        if (authorization !== `Bearer ${GOOD_KEY}`) {
          // Echoes the key whole, as a careless proxy might, to prove the tool redacts it.
          const key = authorization.replace(/^Bearer /, '');
          res.writeHead(401, { 'content-type': 'application/json' }).end(
            JSON.stringify({
              error: {
                message: `Incorrect API key provided: ${key}. You can find your API key at https://platform.openai.com/account/api-keys.`,
                type: 'invalid_request_error',
                param: null,
                code: 'invalid_api_key',
              },
            }),
          );
          return;
        }
        res
          .writeHead(200, { 'content-type': 'application/json', 'x-request-id': 'req_fake_1' })
          .end(JSON.stringify(fakeResponse(String(body.model), String(body.input))));
      })
      .catch((error: Error) => res.writeHead(400).end(error.message));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseURL: `http://127.0.0.1:${port}/v1`,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

// Shaped like a real o3 + web_search response: reasoning, a web_search_call, then the assistant message.
function fakeResponse(model: string, query: string): Record<string, unknown> {
  const now = Math.floor(Date.now() / 1000);
  return {
    id: 'resp_fake_0001',
    object: 'response',
    created_at: now,
    completed_at: now,
    status: 'completed',
    background: false,
    error: null,
    incomplete_details: null,
    instructions: null,
    max_output_tokens: null,
    model: `${model}-2025-04-16`,
    output: [
      { id: 'rs_fake_1', type: 'reasoning', summary: [] },
      {
        id: 'ws_fake_1',
        type: 'web_search_call',
        status: 'completed',
        action: { type: 'search', query },
      },
      {
        id: 'msg_fake_1',
        type: 'message',
        status: 'completed',
        role: 'assistant',
        content: [
          {
            type: 'output_text',
            text: ANSWER,
            annotations: [{ type: 'url_citation', start_index: 0, end_index: 9, url: 'https://example.com/langgraph-mcp', title: 'LangGraph MCP' }],
            logprobs: [],
          },
        ],
      },
    ],
    parallel_tool_calls: true,
    previous_response_id: null,
    reasoning: { effort: 'medium', summary: null },
    service_tier: 'default',
    store: true,
    temperature: 1,
    text: { format: { type: 'text' } },
    tool_choice: 'auto',
    tools: [{ type: 'web_search', search_context_size: 'medium', user_location: { type: 'approximate' } }],
    top_p: 1,
    truncation: 'disabled',
    usage: {
      input_tokens: 120,
      input_tokens_details: { cached_tokens: 0 },
      output_tokens: 480,
      output_tokens_details: { reasoning_tokens: 320 },
      total_tokens: 600,
    },
    user: null,
    metadata: {},
  };
}

describe('web-search example over stdio', () => {
  let fake: FakeOpenAI;
  before(async () => {
    fake = await startFakeOpenAI();
  });
  after(async () => {
    await fake.close();
  });

  test('lists the seed tool with its argument description', async () => {
    const client = await connectStdio(WEB_SEARCH_SERVER);
    try {
      const { tools } = await client.listTools();
      assert.deepEqual(
        tools.map((tool) => tool.name),
        ['openai_o3_web_search'],
      );
      const question = tools[0]?.inputSchema.properties?.question as { description?: string } | undefined;
      assert.match(question?.description ?? '', /^Question text to send to OpenAI o3\./);
      assert.deepEqual(tools[0]?.inputSchema.required, ['question']);
    } finally {
      await client.close();
    }
  });

  test('sends model, web_search tool and the question; returns output_text', async () => {
    const client = await connectStdio(WEB_SEARCH_SERVER, { OPENAI_API_KEY: GOOD_KEY, OPENAI_BASE_URL: fake.baseURL });
    const before = fake.requests.length;
    try {
      const question = 'LangGraphにおけるMCPの実装方法 (python) について調べて';
      const result = await client.callTool({ name: 'openai_o3_web_search', arguments: { question } });
      assert.notEqual(result.isError, true, textOf(result));
      assert.equal(textOf(result), ANSWER);
      const sent = fake.requests.slice(before);
      assert.equal(sent.length, 1);
      assert.equal(sent[0]?.method, 'POST');
      assert.equal(sent[0]?.path, '/v1/responses');
      assert.equal(sent[0]?.authorization, `Bearer ${GOOD_KEY}`);
      assert.equal(sent[0]?.body.model, 'o3');
      assert.deepEqual(sent[0]?.body.tools, [{ type: 'web_search' }]);
      assert.equal(sent[0]?.body.input, question);
    } finally {
      await client.close();
    }
  });

  test('OPENAI_MODEL picks the model', async () => {
    const client = await connectStdio(WEB_SEARCH_SERVER, {
      OPENAI_API_KEY: GOOD_KEY,
      OPENAI_BASE_URL: fake.baseURL,
      OPENAI_MODEL: 'o4-mini',
    });
    const before = fake.requests.length;
    try {
      const result = await client.callTool({ name: 'openai_o3_web_search', arguments: { question: 'q' } });
      assert.equal(textOf(result), ANSWER);
      assert.equal(fake.requests[before]?.body.model, 'o4-mini');
    } finally {
      await client.close();
    }
  });

  test('without OPENAI_API_KEY the call is an error result naming the variable', async () => {
    const client = await connectStdio(WEB_SEARCH_SERVER, { OPENAI_BASE_URL: fake.baseURL });
    const before = fake.requests.length;
    try {
      const result = await client.callTool({ name: 'openai_o3_web_search', arguments: { question: 'q' } });
      assert.equal(result.isError, true);
      assert.match(textOf(result), /OPENAI_API_KEY/);
      assert.equal(fake.requests.length, before, 'no request may leave without a key');
      // The server is still alive and answering after the error.
      assert.equal((await client.listTools()).tools.length, 1);
    } finally {
      await client.close();
    }
  });

  test('a 401 from the API is an error result with the status and without the key', async () => {
    const client = await connectStdio(WEB_SEARCH_SERVER, { OPENAI_API_KEY: BAD_KEY, OPENAI_BASE_URL: fake.baseURL });
    try {
      const result = await client.callTool({ name: 'openai_o3_web_search', arguments: { question: 'q' } });
      assert.equal(result.isError, true);
      const text = textOf(result);
      assert.match(text, /401/);
      assert.match(text, /Incorrect API key provided/);
      assert.ok(!JSON.stringify(result).includes(BAD_KEY), `key leaked: ${text}`);
    } finally {
      await client.close();
    }
  });

  test('an unreachable API is an error result, not a crash', async () => {
    const closed = await startFakeOpenAI();
    await closed.close();
    const client = await connectStdio(WEB_SEARCH_SERVER, {
      OPENAI_API_KEY: GOOD_KEY,
      OPENAI_BASE_URL: closed.baseURL,
      WEB_SEARCH_TIMEOUT_MS: '20000',
    });
    try {
      const result = await client.callTool({ name: 'openai_o3_web_search', arguments: { question: 'q' } }, { timeout: 30_000 });
      assert.equal(result.isError, true);
      assert.match(textOf(result), /Could not reach the OpenAI API/);
      assert.ok(!textOf(result).includes(GOOD_KEY));
    } finally {
      await client.close();
    }
  });
});
