import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { freeLoopbackPort } from '../../src/http/index.js';
import { createLogger } from '../../src/log/index.js';
import { eventually, testPlatform } from '../helpers/platform.js';

const GREET_SERVER = resolve('examples/greet/server.js');

/** A toolport.yaml whose gateway `slow` fronts a stdio MCP server that starts answering only after `delayMs`. */
async function slowGatewayConfig(dir: string, delayMs: number): Promise<string> {
  const upstream = join(dir, 'slow-upstream.mjs');
  await writeFile(upstream, `await new Promise((done) => setTimeout(done, ${delayMs}));\nawait import(${JSON.stringify(GREET_SERVER)});\n`);
  const config = join(dir, 'toolport.yaml');
  await writeFile(
    config,
    `gateways:\n  - name: slow\n    auth: none\n    targets:\n      - { name: late, type: mcp, command: [node, ${JSON.stringify(upstream)}] }\n`,
  );
  return config;
}

/** GET /ready, or undefined while nothing listens on the port yet. */
async function ready(port: number): Promise<{ status: number; body: { status: string; loading: string[] } } | undefined> {
  try {
    const reply = await fetch(`http://127.0.0.1:${port}/ready`);
    return { status: reply.status, body: (await reply.json()) as { status: string; loading: string[] } };
  } catch {
    return undefined;
  }
}

describe('readiness: /ready and gateway requests wait for first catalogs', () => {
  let dir = '';
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'toolport-ready-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('answers /ready 503 while a catalog loads, holds a gateway request until it has one, and prints the banner only once ready', async () => {
    const port = await freeLoopbackPort();
    const config = await slowGatewayConfig(dir, 2_000);
    const child: ChildProcess = spawn(
      process.execPath,
      ['bin/toolport.js', 'up', '--port', String(port), '--config', config, '--data-dir', join(dir, 'cli-data')],
      {
        stdio: ['ignore', 'pipe', 'ignore'],
        env: { ...process.env, TOOLPORT_LOG_LEVEL: 'error' },
      },
    );
    let stdout = '';
    child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    try {
      let first: Awaited<ReturnType<typeof ready>>;
      await eventually(async () => (first = await ready(port)) !== undefined, 30_000, 'the edge to listen');
      assert.equal(first?.status, 503);
      assert.equal(first?.body.status, 'Loading');
      assert.ok((first?.body.loading.length ?? 0) > 0, 'says what is still loading');
      assert.doesNotMatch(stdout, /Toolport is up/, 'no banner before ready');

      const client = new Client({ name: 'early-caller', version: '1.0.0' });
      await client.connect(new StreamableHTTPClientTransport(new URL(`http://127.0.0.1:${port}/gateways/slow/mcp`)));
      const names = (await client.listTools()).tools.map((tool) => tool.name);
      assert.ok(names.includes('late___greet_user'), `the early caller sees the slow target's tools, not an empty catalog: ${names.join(', ')}`);
      await client.close();

      await eventually(() => stdout.includes('Toolport is up'), 30_000, 'the banner');
      assert.deepEqual(await ready(port), { status: 200, body: { status: 'Ready', loading: [] } });
    } finally {
      child.kill('SIGTERM');
      if (child.exitCode === null) await new Promise((done) => child.once('exit', done));
    }
  });

  it('answers a gateway request 503 gateway_loading with Retry-After once the wait for the catalog passes its bound', async () => {
    const port = await freeLoopbackPort();
    const config = await slowGatewayConfig(dir, 2_000);
    const logged: Record<string, unknown>[] = [];
    const starting = testPlatform({
      port,
      config,
      dataDir: join(dir, 'bound-data'),
      catalogWaitMs: 100,
      logger: createLogger('info', (line) => logged.push(JSON.parse(line) as Record<string, unknown>)),
    });
    try {
      await eventually(async () => (await ready(port)) !== undefined, 30_000, 'the edge to listen');
      const reply = await fetch(`http://127.0.0.1:${port}/gateways/slow/mcp`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
        body: JSON.stringify({
          jsonrpc: '2.0',
          id: 1,
          method: 'initialize',
          params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'early', version: '1' } },
        }),
      });
      assert.equal(reply.status, 503);
      assert.ok(Number(reply.headers.get('retry-after')) > 0);
      const body = (await reply.json()) as { error: { message: string; data: { code: string } } };
      assert.equal(body.error.data.code, 'gateway_loading');
      assert.match(body.error.message, /still loading/);
      // A state the caller is told to wait out is a warning in the log, with no stack: not an error.
      const line = logged.find((entry) => entry.msg === 'request failed' && entry.code === 'gateway_loading');
      assert.equal(line?.level, 'warn');
      assert.doesNotMatch(String(line?.error), /\n\s+at /);
    } finally {
      await (await starting).stop();
    }
  });
});
