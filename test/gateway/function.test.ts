// The gateway's function target driver over real child processes and real HTTP on 127.0.0.1: defineTool modules,
// AgentCore-style Lambda handlers (TS, ESM, CommonJS callback style), HTTP functions, and the gateway-function example.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import type { CallToolResult } from '@modelcontextprotocol/server';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { Deadline } from '../../src/gateway/deadline.js';
import { createFunctionTarget, functionTargetSchema } from '../../src/gateway/targets/function.js';
import { TargetError, type CallContext, type DriverDeps, type TargetDriver } from '../../src/gateway/targets/types.js';
import { eventually, testPlatform } from '../helpers/platform.js';
import { closeAll } from '../helpers/teardown.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const FIXTURES = 'test/fixtures/functions';
const EXAMPLE = 'examples/gateway-function';
const AGENTCORE_CUSTOM_KEYS = [
  'bedrockAgentCoreAwsRequestId',
  'bedrockAgentCoreGatewayId',
  'bedrockAgentCoreMcpMessageId',
  'bedrockAgentCoreMessageVersion',
  'bedrockAgentCoreSessionId',
  'bedrockAgentCoreTargetId',
  'bedrockAgentCoreToolName',
];

const drivers: TargetDriver[] = [];

/** A driver for `spec` (validated by the real schema), closed after the file. */
async function target(spec: Record<string, unknown>, deps: Partial<DriverDeps> = {}): Promise<TargetDriver> {
  const parsed = functionTargetSchema.parse({ name: 'fn', type: 'function', ...spec });
  const driver = await createFunctionTarget(parsed, { baseDir: ROOT, timeoutMs: 10_000, ...deps });
  drivers.push(driver);
  return driver;
}

function callContext(tool: string, overrides: Partial<CallContext> = {}): CallContext {
  return {
    signal: new AbortController().signal,
    gateway: 'demo',
    target: 'fn',
    prefixedName: `fn___${tool}`,
    requestId: 'req-0001',
    sessionId: 'session-0001',
    mcpMessageId: 42,
    ...overrides,
  };
}

/** The signal the gateway's guard gives a call: the guard alone owns its deadline, at the target's timeout. */
function guardDeadline(ms: number): AbortSignal {
  return new Deadline(ms).signal;
}

function textOf(result: CallToolResult): string {
  return result.content.map((block) => (block.type === 'text' ? block.text : '')).join('');
}

function catalogSignal(): AbortSignal {
  return AbortSignal.timeout(30_000);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Waits (bounded) until the process is gone: a stopped child may take a few ms to be reaped. */
async function waitGone(pid: number): Promise<boolean> {
  for (let i = 0; i < 100 && isAlive(pid); i += 1) await new Promise((resolve) => setTimeout(resolve, 20));
  return !isAlive(pid);
}

async function rejection(promise: Promise<unknown>): Promise<TargetError> {
  const error = await promise.then(
    () => assert.fail('expected the call to reject'),
    (reason: unknown) => reason,
  );
  assert.ok(error instanceof TargetError, `expected a TargetError, got ${String(error)}`);
  return error;
}

async function listen(server: Server, host = '127.0.0.1'): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  return `http://${host}:${(server.address() as AddressInfo).port}`;
}

/**
 * The fake OpenAI of the example tests listens on 127.0.0.2: loopback to the host, but not a sandbox's own, so a
 * sandboxed target reaches it only through its egress proxy, allowed as it would allow api.openai.com:443.
 */
const FAKE_OPENAI_HOST = '127.0.0.2';

function allowOnly(url: string): { network: { allow: string[] } } {
  return { network: { allow: [new URL(url).host] } };
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
}

/** Answers the Responses API (POST /v1/responses) as OpenAI does, with one assistant message; records each input. */
function fakeOpenAI(answer: string, questions: string[]): Server {
  return createServer((req, res) => {
    void readJson(req).then((body) => {
      questions.push(String(body.input));
      res.writeHead(200, { 'content-type': 'application/json' }).end(
        JSON.stringify({
          id: 'resp_1',
          object: 'response',
          created_at: Math.floor(Date.now() / 1000),
          status: 'completed',
          model: String(body.model),
          output: [{ id: 'msg_1', type: 'message', status: 'completed', role: 'assistant', content: [{ type: 'output_text', text: answer, annotations: [] }] }],
        }),
      );
    });
  });
}

after(async () => {
  await Promise.all(drivers.map((driver) => driver.close()));
});

describe('function target: defineTool module', () => {
  let driver: TargetDriver;
  before(async () => {
    // These tests watch the child's pid from the host, which a sandbox's own PID namespace hides (the sandbox itself
    // is proven in target-sandbox.test.ts).
    driver = await target({ module: `${FIXTURES}/tools.ts`, isolation: 'process' }, { timeoutMs: 2_000 });
  });

  it('lists the tools with schemas derived from the zod types, argument descriptions included', async () => {
    const { tools } = await driver.catalog(catalogSignal());
    assert.deepEqual(tools.map((tool) => tool.name).sort(), ['add', 'count', 'crash', 'fail', 'hang', 'pid', 'wait']);
    const add = tools.find((tool) => tool.name === 'add');
    assert.equal(add?.description, 'Add two numbers');
    assert.deepEqual(add?.inputSchema.required, ['a', 'b']);
    assert.deepEqual(add?.inputSchema.properties, {
      a: { type: 'number', description: 'First addend' },
      b: { type: 'number', description: 'Second addend' },
    });
    assert.deepEqual((add?.outputSchema?.properties as Record<string, unknown>).sum, { type: 'number', description: 'a + b' });
  });

  it('calls a tool in the child process and returns its structured result', async () => {
    const result = await driver.callTool('add', { a: 2, b: 40 }, callContext('add'));
    assert.deepEqual(result.structuredContent, { sum: 42 });
    assert.equal(textOf(result), '{"sum":42}');
    const pid = Number(textOf(await driver.callTool('pid', {}, callContext('pid'))));
    assert.notEqual(pid, process.pid, 'the tool runs outside the gateway process');
  });

  it('forwards progress notifications to the caller', async () => {
    const seen: { progress: number; total?: number; message?: string }[] = [];
    const result = await driver.callTool('count', { to: 3 }, callContext('count', { onProgress: (p) => seen.push(p) }));
    assert.equal(textOf(result), 'counted to 3');
    assert.deepEqual(seen, [
      { progress: 1, total: 3, message: 'step 1' },
      { progress: 2, total: 3, message: 'step 2' },
      { progress: 3, total: 3, message: 'step 3' },
    ]);
  });

  it("turns a tool's own exception into an error result, not a target failure", async () => {
    const result = await driver.callTool('fail', { why: 'card declined' }, callContext('fail'));
    assert.equal(result.isError, true);
    assert.match(textOf(result), /card declined/);
  });

  it('serves concurrent calls side by side in one child', async () => {
    await driver.callTool('pid', {}, callContext('pid')); // the child is up: time the calls, not its start
    const started = Date.now();
    const results = await Promise.all(Array.from({ length: 16 }, () => driver.callTool('wait', { ms: 300 }, callContext('wait'))));
    const elapsed = Date.now() - started;
    assert.deepEqual(
      results.map(textOf),
      Array.from({ length: 16 }, () => 'waited 300 ms'),
    );
    // One after another they would take 4.8 s.
    assert.ok(elapsed < 2_500, `16 calls of 300 ms took ${elapsed} ms`);
  });

  it('leaves the child alone when the gateway gave up before the call reached it', async () => {
    const before = textOf(await driver.callTool('pid', {}, callContext('pid')));
    const error = await driver.callTool('pid', {}, callContext('pid', { signal: AbortSignal.abort(new DOMException('timed out', 'TimeoutError')) })).then(
      () => assert.fail('expected a rejection'),
      (reason: unknown) => reason as Error,
    );
    assert.equal(error.name, 'TimeoutError');
    assert.equal(textOf(await driver.callTool('pid', {}, callContext('pid'))), before);
  });

  it('passes a caller cancellation on and keeps the child running', async () => {
    const before = textOf(await driver.callTool('pid', {}, callContext('pid')));
    const controller = new AbortController();
    const call = driver.callTool('wait', { ms: 30_000 }, callContext('wait', { signal: controller.signal }));
    setTimeout(() => controller.abort(new Error('caller went away')), 100);
    await assert.rejects(call, /caller went away/);
    assert.equal(textOf(await driver.callTool('pid', {}, callContext('pid'))), before);
  });

  it('stops a child whose call outlives the timeout, and the next call gets a fresh one', async () => {
    const oldPid = Number(textOf(await driver.callTool('pid', {}, callContext('pid'))));
    const started = Date.now();
    const error = await rejection(driver.callTool('hang', {}, callContext('hang', { signal: guardDeadline(2_000) })));
    const elapsed = Date.now() - started;
    assert.equal(error.kind, 'timeout');
    assert.match(error.message, /hang did not answer within 2000 ms/);
    assert.ok(elapsed >= 1_900 && elapsed < 5_000, `timed out after ${elapsed} ms`);
    assert.ok(await waitGone(oldPid), 'the hung process was killed');
    const newPid = Number(textOf(await driver.callTool('pid', {}, callContext('pid'))));
    assert.ok(newPid > 0 && newPid !== oldPid);
  });

  it('reports a crashed child clearly and restarts it for the next call', async () => {
    const oldPid = Number(textOf(await driver.callTool('pid', {}, callContext('pid'))));
    const error = await rejection(driver.callTool('crash', {}, callContext('crash')));
    assert.equal(error.kind, 'upstream');
    assert.match(error.message, /module test\/fixtures\/functions\/tools\.ts exited with code 3 during the call; it starts again/);
    assert.match(error.detail ?? '', /crash tool: exiting with code 3/);
    const result = await driver.callTool('add', { a: 1, b: 1 }, callContext('add'));
    assert.deepEqual(result.structuredContent, { sum: 2 });
    assert.notEqual(Number(textOf(await driver.callTool('pid', {}, callContext('pid')))), oldPid);
  });
});

describe('function target: modules that do not load', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'toolport-function-'));
    await writeFile(join(dir, 'broken.ts'), "export const oops = {\n  name: 'oops',\n  input: ,\n};\n");
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('fails the catalog with the file, line and reason of a syntax error', async () => {
    const driver = await target({ module: 'broken.ts' }, { baseDir: dir });
    const error = await rejection(driver.catalog(catalogSignal()));
    assert.equal(error.kind, 'invalid');
    assert.match(error.message, /^module broken\.ts failed to load/);
    assert.match(error.message, /broken\.ts:3:\d+: ERROR: Unexpected ","/);
  });

  it('fails the catalog of a module with no defineTool exports, saying so', async () => {
    await writeFile(join(dir, 'empty.mjs'), 'export const notATool = 1;\n');
    const driver = await target({ module: 'empty.mjs' }, { baseDir: dir });
    const error = await rejection(driver.catalog(catalogSignal()));
    assert.equal(error.kind, 'invalid');
    assert.match(error.message, /empty\.mjs exports no tools made with defineTool/);
  });
});

describe('function target: Lambda-style handler', () => {
  let driver: TargetDriver;
  before(async () => {
    process.env.TOOLPORT_FUNCTION_TEST_SECRET = 'the gateway process keeps this';
    driver = await target(
      // Watched by pid from the host, as above.
      {
        lambda: { handler: `${FIXTURES}/lambda-handler.ts#handler`, toolsFile: `${FIXTURES}/lambda-tools.json`, functionName: 'orders-fn' },
        isolation: 'process',
      },
      { timeoutMs: 2_000 },
    );
  });

  it('lists the tool schemas from the tools file, as AgentCore holds them', async () => {
    const { tools } = await driver.catalog(catalogSignal());
    const file = JSON.parse(await readFile(join(ROOT, FIXTURES, 'lambda-tools.json'), 'utf8')) as { name: string }[];
    assert.deepEqual(tools, file);
  });

  it("passes the bare arguments as event and AgentCore's clientContext.custom, exactly", async () => {
    const context = callContext('whoami', { target: 'orders', prefixedName: 'orders___whoami', requestId: 'req-77', sessionId: 'sess-9', mcpMessageId: 5 });
    const result = await driver.callTool('whoami', { note: 'hi' }, context);
    const seen = result.structuredContent as Record<string, unknown>;
    assert.deepEqual(seen.event, { note: 'hi' });
    assert.deepEqual(seen.custom, {
      bedrockAgentCoreToolName: 'orders___whoami',
      bedrockAgentCoreGatewayId: 'demo',
      bedrockAgentCoreTargetId: 'orders',
      bedrockAgentCoreMessageVersion: '1.0',
      bedrockAgentCoreAwsRequestId: 'req-77',
      bedrockAgentCoreMcpMessageId: '5',
      bedrockAgentCoreSessionId: 'sess-9',
    });
    assert.deepEqual(Object.keys(seen.custom as object).sort(), AGENTCORE_CUSTOM_KEYS);
    assert.match(String(seen.awsRequestId), /^[0-9a-f-]{36}$/);
    assert.equal(seen.functionName, 'orders-fn');
    assert.ok(Number(seen.remainingMs) > 1_000 && Number(seen.remainingMs) <= 2_000, `remaining ${String(seen.remainingMs)} ms`);
    assert.notEqual(seen.pid, process.pid);
    assert.deepEqual(seen.envKeys, ['HOME', 'PATH', 'TEMP', 'TMP', 'TMPDIR'], "the handler sees its own env only, none of the gateway's");
    assert.equal(textOf(result), JSON.stringify(seen), 'an object comes back as its JSON text too');
  });

  it('returns a string as text, and a thrown error or a Lambda error object as an error result', async () => {
    assert.deepEqual(await driver.callTool('greet', { name: 'Jack' }, callContext('greet')), { content: [{ type: 'text', text: 'Hello, Jack!' }] });
    const thrown = await driver.callTool('fail', { why: 'bad input' }, callContext('fail'));
    assert.deepEqual(thrown, { isError: true, content: [{ type: 'text', text: 'TypeError: bad input' }] });
    const returned = await driver.callTool('error_object', {}, callContext('error_object'));
    assert.deepEqual(returned, { isError: true, content: [{ type: 'text', text: 'NotFound: no such order' }] });
  });

  it('times out a handler that never answers and recovers', async () => {
    const whoami = await driver.callTool('whoami', {}, callContext('whoami'));
    const oldPid = Number((whoami.structuredContent as { pid: number }).pid);
    const error = await rejection(driver.callTool('hang', {}, callContext('hang', { signal: guardDeadline(2_000) })));
    assert.equal(error.kind, 'timeout');
    assert.ok(await waitGone(oldPid));
    const greeting = await driver.callTool('greet', { name: 'again' }, callContext('greet'));
    assert.equal(textOf(greeting), 'Hello, again!');
  });

  it('reports a handler that kills its process, then recovers', async () => {
    const error = await rejection(driver.callTool('crash', {}, callContext('crash')));
    assert.equal(error.kind, 'upstream');
    assert.match(error.message, /lambda handler .*lambda-handler\.ts#handler exited with code 4 during the call/);
    assert.equal(textOf(await driver.callTool('greet', { name: 'back' }, callContext('greet'))), 'Hello, back!');
  });

  after(() => {
    delete process.env.TOOLPORT_FUNCTION_TEST_SECRET;
  });

  it('runs a CommonJS callback-style handler with inline tool schemas', async () => {
    const inline = [{ name: 'double', description: 'Doubles n', inputSchema: { type: 'object', properties: { n: { type: 'number' } }, required: ['n'] } }];
    const cjs = await target({ lambda: { handler: `${FIXTURES}/callback-handler.cjs`, tools: inline } });
    assert.deepEqual((await cjs.catalog(catalogSignal())).tools, inline);
    const result = await cjs.callTool('double', { n: 21 }, callContext('double'));
    assert.deepEqual(result.structuredContent, { doubled: 42, tool: 'fn___double' });
  });

  it('fails the catalog when the handler export is missing or the tools file is not tool schemas', async () => {
    const noExport = await target({ lambda: { handler: `${FIXTURES}/lambda-handler.ts#lambda_handler`, toolsFile: `${FIXTURES}/lambda-tools.json` } });
    const missing = await rejection(noExport.catalog(catalogSignal()));
    assert.equal(missing.kind, 'invalid');
    assert.match(missing.message, /has no function export "lambda_handler" \(found: handler\)/);
    const badFile = await target({ lambda: { handler: `${FIXTURES}/lambda-handler.ts`, toolsFile: 'package.json' } });
    const bad = await rejection(badFile.catalog(catalogSignal()));
    assert.equal(bad.kind, 'invalid');
    assert.match(bad.message, /package\.json is not an array of tool definitions/);
  });
});

describe('function target: HTTP endpoint', () => {
  const bodies: Record<string, unknown>[] = [];
  const headers: IncomingMessage['headers'][] = [];
  let server: Server;
  let url: string;
  const tools = [
    { name: 'lookup', description: 'Looks an order up', inputSchema: { type: 'object', properties: { id: { type: 'string', description: 'Order id' } } } },
    { name: 'text', description: 'Answers plain text', inputSchema: { type: 'object' } },
    { name: 'broken', description: 'Answers 502', inputSchema: { type: 'object' } },
    { name: 'slow', description: 'Answers after 3 s', inputSchema: { type: 'object' } },
  ];

  function answer(res: ServerResponse, tool: string): void {
    if (tool === 'lookup') res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ id: 'A-1', status: 'shipped' }));
    else if (tool === 'text') res.writeHead(200, { 'content-type': 'text/plain' }).end('plain answer');
    else if (tool === 'broken') res.writeHead(502, { 'content-type': 'text/html' }).end(`<html><body>upstream exploded ${'x'.repeat(2_000)}</body></html>`);
    else setTimeout(() => res.writeHead(200, { 'content-type': 'application/json' }).end('"late"'), 3_000);
  }

  before(async () => {
    server = createServer((req, res) => {
      void readJson(req).then((body) => {
        bodies.push(body);
        headers.push(req.headers);
        const custom = (body.context as { clientContext: { custom: Record<string, string> } }).clientContext.custom;
        answer(res, custom.bedrockAgentCoreToolName?.split('___')[1] ?? '');
      });
    });
    url = `${await listen(server)}/invoke`;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('lists the inline tool schemas and POSTs {event, context} exactly as documented', async () => {
    const credentials = { headers: async () => ({ 'x-api-key': 'outbound-key' }), query: async () => ({ tenant: 't1' }) };
    const driver = await target({ name: 'orders', http: { url, tools } }, { timeoutMs: 1_000, credentials });
    assert.deepEqual((await driver.catalog(catalogSignal())).tools, tools);
    const context = callContext('lookup', { target: 'orders', prefixedName: 'orders___lookup' });
    const result = await driver.callTool('lookup', { id: 'A-1' }, context);
    assert.deepEqual(result, { content: [{ type: 'text', text: '{"id":"A-1","status":"shipped"}' }], structuredContent: { id: 'A-1', status: 'shipped' } });
    const body = bodies.at(-1) as { event: unknown; context: Record<string, unknown> };
    assert.deepEqual(Object.keys(body).sort(), ['context', 'event']);
    assert.deepEqual(body.event, { id: 'A-1' });
    assert.deepEqual(Object.keys(body.context).sort(), ['awsRequestId', 'clientContext', 'deadlineMs', 'functionName']);
    assert.equal(body.context.functionName, 'orders');
    const deadline = Number(body.context.deadlineMs);
    assert.ok(deadline > Date.now() - 1_000 && deadline <= Date.now() + 1_000);
    assert.deepEqual(body.context.clientContext, {
      custom: {
        bedrockAgentCoreToolName: 'orders___lookup',
        bedrockAgentCoreGatewayId: 'demo',
        bedrockAgentCoreTargetId: 'orders',
        bedrockAgentCoreMessageVersion: '1.0',
        bedrockAgentCoreAwsRequestId: 'req-0001',
        bedrockAgentCoreMcpMessageId: '42',
        bedrockAgentCoreSessionId: 'session-0001',
      },
    });
    assert.equal(headers.at(-1)?.['x-api-key'], 'outbound-key', 'outbound credentials from the vault are applied');
    assert.equal(headers.at(-1)?.['content-type'], 'application/json');
  });

  it('reads a text answer as text and a non-2xx answer as an error result with status and excerpt', async () => {
    const driver = await target({ http: { url, tools } }, { timeoutMs: 1_000 });
    assert.deepEqual(await driver.callTool('text', {}, callContext('text')), { content: [{ type: 'text', text: 'plain answer' }] });
    const broken = await driver.callTool('broken', {}, callContext('broken'));
    assert.equal(broken.isError, true);
    assert.match(textOf(broken), /^The function endpoint answered HTTP 502 Bad Gateway: <html><body>upstream exploded x+…$/);
    assert.ok(textOf(broken).length < 600, 'the body is cut to an excerpt');
  });

  it('times out a slow endpoint, and a dead one is unreachable', async () => {
    const driver = await target({ http: { url, tools } }, { timeoutMs: 500 });
    const slow = await rejection(driver.callTool('slow', {}, callContext('slow', { signal: guardDeadline(500) })));
    assert.equal(slow.kind, 'timeout');
    const dead = createServer();
    const deadUrl = await listen(dead);
    await new Promise((resolve) => dead.close(resolve));
    const gone = await target({ http: { url: `${deadUrl}/invoke`, tools } }, { timeoutMs: 1_000 });
    const error = await rejection(gone.callTool('lookup', {}, callContext('lookup')));
    assert.equal(error.kind, 'unreachable');
    assert.match(error.message, /cannot reach the function endpoint http:\/\/127\.0\.0\.1:\d+: ECONNREFUSED/);
  });
});

describe('examples/gateway-function: seed 004 Lambda tools, written once and unchanged', () => {
  const ANSWER = 'LangGraph は MCP アダプターで MCP サーバーのツールを利用できます。';
  const questions: string[] = [];
  let openai: Server;
  let openaiUrl: string;
  let python: ChildProcess;
  let pythonUrl: string;
  const inlineSchema = async (): Promise<{ name: string; description: string; inputSchema: Record<string, unknown> }[]> =>
    JSON.parse(await readFile(join(ROOT, EXAMPLE, 'lambda/tools.json'), 'utf8')) as {
      name: string;
      description: string;
      inputSchema: Record<string, unknown>;
    }[];

  before(async () => {
    openai = fakeOpenAI(ANSWER, questions);
    openaiUrl = `${await listen(openai, FAKE_OPENAI_HOST)}/v1`;
    python = spawn('python3', [join(ROOT, EXAMPLE, 'http/serve.py'), '--port', '0'], { stdio: ['ignore', 'ignore', 'pipe'] });
    pythonUrl = await new Promise<string>((resolve, reject) => {
      let said = '';
      python.stderr?.on('data', (chunk: Buffer) => {
        said += chunk.toString('utf8');
        const match = /on (http:\/\/\S+)/.exec(said);
        if (match?.[1]) resolve(match[1]);
      });
      python.once('exit', (code) => reject(new Error(`serve.py exited with ${code}: ${said}`)));
    });
  });
  after(() =>
    closeAll(
      () => python?.kill(),
      () => {
        openai?.closeAllConnections();
        return openai && new Promise((resolve) => openai.close(resolve));
      },
    ),
  );

  const openaiEnv = (): Record<string, string> => ({ OPENAI_API_KEY: 'sk-test-example', OPENAI_BASE_URL: openaiUrl });

  it('module variant: the schema derived from tools.ts equals the inline schema AgentCore needed, and the tools answer', async () => {
    const driver = await target({ name: 'LambdaTarget', module: `${EXAMPLE}/tools.ts`, env: openaiEnv(), sandbox: allowOnly(openaiUrl) });
    const { tools } = await driver.catalog(catalogSignal());
    assert.deepEqual(tools.map((tool) => tool.name).sort(), ['greet_user', 'openai_web_search']);
    const [inline] = await inlineSchema();
    const derived = tools.find((tool) => tool.name === 'openai_web_search');
    assert.equal(derived?.description, inline?.description);
    assert.deepEqual(derived?.inputSchema.properties, inline?.inputSchema.properties);
    assert.deepEqual(derived?.inputSchema.required, inline?.inputSchema.required);
    const search = await driver.callTool('openai_web_search', { question: 'LangGraph と MCP' }, callContext('openai_web_search'));
    assert.equal(textOf(search), ANSWER);
    assert.equal(questions.at(-1), 'LangGraph と MCP');
    const greet = await driver.callTool('greet_user', { name: 'Jack' }, callContext('greet_user'));
    assert.equal(textOf(greet), 'Hello, Jack! Nice to meet you. This is a test message.');
  });

  it('unchanged-Lambda variant: index.mjs answers { statusCode, body } as on AWS', async () => {
    const driver = await target({
      name: 'LambdaTarget',
      lambda: { handler: `${EXAMPLE}/lambda/index.mjs#handler`, toolsFile: `${EXAMPLE}/lambda/tools.json` },
      env: openaiEnv(),
      sandbox: allowOnly(openaiUrl),
    });
    assert.deepEqual((await driver.catalog(catalogSignal())).tools, await inlineSchema());
    const result = await driver.callTool('openai_web_search', { question: '最新の MCP 仕様' }, callContext('openai_web_search'));
    assert.deepEqual(result.structuredContent, { statusCode: 200, body: ANSWER });
    assert.equal(questions.at(-1), '最新の MCP 仕様');
  });

  it("unchanged Python Lambda over HTTP: seed 004's greet_user handler behind serve.py", async () => {
    const driver = await target({ name: 'PythonTarget', http: { url: pythonUrl, toolsFile: `${EXAMPLE}/http/tools.json` } });
    const { tools } = await driver.catalog(catalogSignal());
    assert.equal(tools[0]?.name, 'greet_user');
    const result = await driver.callTool(
      'greet_user',
      { name: 'Jack' },
      callContext('greet_user', { target: 'PythonTarget', prefixedName: 'PythonTarget___greet_user' }),
    );
    assert.deepEqual(result.structuredContent, { statusCode: 200, body: 'Hello, Jack! Nice to meet you. This is a test message.' });
  });
});

describe('function targets behind a real gateway (/gateways/{name}/mcp)', () => {
  const ANSWER = 'MCP の最新仕様は 2026-07-28 です。';
  const questions: string[] = [];
  const savedEnv = { key: process.env.OPENAI_API_KEY, url: process.env.OPENAI_BASE_URL };
  let openai: Server;
  let platform: Awaited<ReturnType<typeof testPlatform>>;
  let configDir: string;

  /**
   * The example config as written, but with its targets' egress allowed to the fake OpenAI instead of
   * api.openai.com:443; in a folder of its own, so its relative paths are made absolute.
   */
  async function withFakeOpenAI(openaiUrl: string): Promise<string> {
    const example = join(ROOT, EXAMPLE);
    const config = parseYaml(await readFile(join(example, 'toolport.yaml'), 'utf8')) as { gateways: { targets: Record<string, unknown>[] }[] };
    const absolute = (path: unknown): string => join(example, String(path));
    for (const target of config.gateways.flatMap((gateway) => gateway.targets)) {
      const { module, lambda, http } = target as { module?: string; lambda?: { handler: string; toolsFile: string }; http?: { toolsFile: string } };
      if (module) target.module = absolute(module);
      if (lambda) target.lambda = { ...lambda, handler: absolute(lambda.handler), toolsFile: absolute(lambda.toolsFile) };
      if (http) target.http = { ...http, toolsFile: absolute(http.toolsFile) };
      if (module || lambda) target.sandbox = allowOnly(openaiUrl);
    }
    configDir = await mkdtemp(join(tmpdir(), 'toolport-function-config-'));
    await writeFile(join(configDir, 'toolport.yaml'), stringifyYaml(config));
    return join(configDir, 'toolport.yaml');
  }

  async function connect(gateway: string): Promise<{ client: Client; transport: StreamableHTTPClientTransport }> {
    const client = new Client({ name: 'function-test', version: '1.0.0' });
    const transport = new StreamableHTTPClientTransport(new URL(`${platform.url}/gateways/${gateway}/mcp`));
    await client.connect(transport);
    return { client, transport };
  }

  before(async () => {
    openai = fakeOpenAI(ANSWER, questions);
    // The example config reads both through env:NAME, from Toolport's own environment.
    process.env.OPENAI_API_KEY = 'sk-test-gateway';
    process.env.OPENAI_BASE_URL = `${await listen(openai, FAKE_OPENAI_HOST)}/v1`;
    platform = await testPlatform({ config: await withFakeOpenAI(process.env.OPENAI_BASE_URL) });
  });
  after(async () => {
    await closeAll(
      () => platform?.stop(),
      () => {
        openai?.closeAllConnections();
        return openai && new Promise((resolve) => openai.close(resolve));
      },
      () => configDir && rm(configDir, { recursive: true, force: true }),
    );
    for (const [name, value] of [
      ['OPENAI_API_KEY', savedEnv.key],
      ['OPENAI_BASE_URL', savedEnv.url],
    ] as const) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  });

  it("serves the example config's targets: prefixed tools, derived and inline schemas, calls through both variants", async () => {
    const { client } = await connect('functions');
    let names: string[] = [];
    await eventually(
      async () => {
        names = (await client.listTools()).tools.map((tool) => tool.name).sort();
        return names.length === 5;
      },
      20_000,
      'the example targets to sync',
    );
    assert.deepEqual(names, [
      'LambdaHandler___openai_web_search',
      'LambdaTarget___greet_user',
      'LambdaTarget___openai_web_search',
      'PythonGreet___greet_user',
      'x_amz_bedrock_agentcore_search',
    ]);
    const moduleResult = (await client.callTool({ name: 'LambdaTarget___openai_web_search', arguments: { question: 'MCP の仕様は?' } })) as CallToolResult;
    assert.equal(textOf(moduleResult), ANSWER);
    const lambdaResult = (await client.callTool({ name: 'LambdaHandler___openai_web_search', arguments: { question: 'MCP の仕様は?' } })) as CallToolResult;
    assert.deepEqual(lambdaResult.structuredContent, { statusCode: 200, body: ANSWER });
    await client.close();
  });

  it("hands a handler the gateway's own ids: gateway, target, prefixed tool, request, MCP message and session", async () => {
    const response = await fetch(`${platform.url}/api/gateways`, {
      method: 'POST',
      headers: { authorization: `Bearer ${platform.adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        name: 'orders-gw',
        targets: [{ name: 'orders', type: 'function', lambda: { handler: `${FIXTURES}/lambda-handler.ts`, toolsFile: `${FIXTURES}/lambda-tools.json` } }],
      }),
    });
    assert.equal(response.status, 201, await response.clone().text());
    const { client, transport } = await connect('orders-gw');
    await eventually(async () => (await client.listTools()).tools.some((tool) => tool.name === 'orders___whoami'), 20_000, 'the orders target to sync');
    const result = (await client.callTool({ name: 'orders___whoami', arguments: { note: 'via gateway' } })) as CallToolResult;
    const seen = result.structuredContent as { event: unknown; custom: Record<string, string> };
    assert.deepEqual(seen.event, { note: 'via gateway' });
    assert.deepEqual(Object.keys(seen.custom).sort(), AGENTCORE_CUSTOM_KEYS);
    assert.equal(seen.custom.bedrockAgentCoreToolName, 'orders___whoami');
    assert.equal(seen.custom.bedrockAgentCoreGatewayId, 'orders-gw');
    assert.equal(seen.custom.bedrockAgentCoreTargetId, 'orders');
    assert.equal(seen.custom.bedrockAgentCoreMessageVersion, '1.0');
    assert.equal(seen.custom.bedrockAgentCoreSessionId, transport.sessionId);
    assert.match(seen.custom.bedrockAgentCoreMcpMessageId ?? '', /^\d+$/);
    assert.match(seen.custom.bedrockAgentCoreAwsRequestId ?? '', /^[0-9a-f-]{36}$/);
    await client.close();
  });
});
