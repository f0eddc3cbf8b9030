import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { connectRuntime, eventually, textOf } from '../helpers/platform.js';
import { toolport } from '../helpers/cli.js';
import { closeAll, stopChild } from '../helpers/teardown.js';

describe('toolport CLI', () => {
  let dataDir: string;
  let server: ChildProcess;
  let url = '';
  let printed = '';
  let warned = '';

  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'toolport-cli-'));
    const config = join(dataDir, 'toolport.yaml');
    const greetServer = fileURLToPath(new URL('../../examples/greet/server.js', import.meta.url));
    await writeFile(
      config,
      `runtimes:\n  - name: greet\n    command: [node, ${greetServer}]\n    sessions: { warmPool: 1 }\n` +
        `  - name: trusted\n    command: [node, ${greetServer}]\n    isolation: process\n    sessions: { warmPool: 0 }\n`,
    );
    server = spawn(process.execPath, ['bin/toolport.js', 'up', '--config', config, '--port', '0', '--data-dir', dataDir], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    server.stdout?.on('data', (chunk: Buffer) => (printed += chunk.toString()));
    server.stderr?.on('data', (chunk: Buffer) => (warned += chunk.toString()));
    // `up` first probes each runtime: a sandboxed worker on a busy machine can take a while to start.
    await eventually(() => /admin token/.test(printed), 60_000, 'toolport up to print its endpoints');
    url = /Toolport is up at (\S+)/.exec(printed)?.[1] ?? '';
  });
  after(() =>
    closeAll(
      () => stopChild(server),
      () => dataDir && rm(dataDir, { recursive: true, force: true }),
    ),
  );

  it('prints help', async () => {
    const { code, stdout } = await toolport(['--help']);
    assert.equal(code, 0);
    assert.match(stdout, /up \[options\]/);
    assert.match(stdout, /runtime/);
  });

  it('up prints every endpoint and the admin token, and answers /ping', async () => {
    assert.match(printed, /GET +http:\/\/127\.0\.0\.1:\d+\/ping/);
    assert.match(printed, /runtime greet +http:\/\/127\.0\.0\.1:\d+\/runtimes\/greet\/invocations\?qualifier=DEFAULT/);
    assert.match(printed, /runtime%2Fgreet\/invocations/);
    const token = (await readFile(join(dataDir, 'admin-token'), 'utf8')).trim();
    assert.ok(printed.includes(token));
    const ping = await fetch(`${url}/ping`);
    assert.deepEqual(await ping.json(), { status: 'Healthy' });
  });

  it('warns about isolation: process in up and runtime get, and runtime get says what enforces the limits', async () => {
    await eventually(() => /runtime trusted has isolation: process/.test(warned), 10_000, 'up to warn about the process runtime');
    assert.doesNotMatch(warned, /runtime greet has/);
    const common = ['--server', url, '--data-dir', dataDir];
    const trusted = await toolport(['runtime', 'get', 'trusted', ...common]);
    assert.match(trusted.stderr, /warning: runtime trusted has isolation: process: its code runs as Toolport's user/);
    assert.match(trusted.stdout, /limits enforced by: none/);
    const sandboxed = await toolport(['runtime', 'get', 'greet', ...common]);
    assert.equal(sandboxed.stderr, '');
    assert.match(sandboxed.stdout, /limits enforced by: (cgroup v2|cgroup v1|rlimits)/);
  });

  it('manages runtimes over the API, printing exactly one JSON document with --json', async () => {
    const common = ['--server', url, '--data-dir', dataDir, '--json'];
    const created = await toolport(['runtime', 'create', 'hello', '--command', 'node examples/greet/server.js', '--warm-pool', '0', ...common]);
    assert.equal(created.code, 0, created.stderr);
    assert.equal(JSON.parse(created.stdout).latestVersion, 1);

    const updated = await toolport(['runtime', 'update', 'hello', '--env', 'MODE=two', ...common]);
    assert.equal(JSON.parse(updated.stdout).latestVersion, 2);
    const pinned = await toolport(['runtime', 'endpoint', 'hello', 'prod', '1', ...common]);
    assert.deepEqual(JSON.parse(pinned.stdout).endpoints, { DEFAULT: 2, prod: 1 });

    const listed = await toolport(['runtime', 'list', ...common]);
    assert.deepEqual(
      JSON.parse(listed.stdout)
        .map((r: { name: string }) => r.name)
        .sort(),
      ['greet', 'hello', 'trusted'],
    );

    const table = await toolport(['runtime', 'list', '--server', url, '--data-dir', dataDir]);
    assert.match(table.stdout, /^NAME +VERSION +TRANSPORT/m);

    const { client, transport } = await connectRuntime({ url }, 'hello', 'prod');
    assert.equal(textOf(await client.callTool({ name: 'greet_user', arguments: { name: 'CLI' } })), 'Hello, CLI! Nice to meet you. This is a test message.');
    await transport.terminateSession();

    const deleted = await toolport(['runtime', 'delete', 'hello', ...common]);
    assert.deepEqual(JSON.parse(deleted.stdout), { deleted: 'hello' });
    const missing = await toolport(['runtime', 'get', 'hello', ...common]);
    assert.equal(missing.code, 1);
    assert.equal(missing.stdout, '');
    // With --json the failure too is one JSON object, on stderr.
    const { error } = JSON.parse(missing.stderr) as { error: { reason: string; exitCode: number; message: string } };
    assert.deepEqual([error.reason, error.exitCode], ['error', 1]);
    assert.match(error.message, /404 .*no runtime named "hello"/);
  });

  it('says how to authenticate when the admin token is wrong', async () => {
    const result = await toolport(['runtime', 'list', '--server', url, '--token', 'tpa_wrong']);
    assert.equal(result.code, 3);
    assert.match(result.stderr, /401 .*admin token/);
  });

  it('fails fast on an invalid config, naming the bad key and what was expected', async () => {
    const bad = join(dataDir, 'bad.yaml');
    await writeFile(bad, 'runtimes:\n  - name: x\n    command: [node, a.js]\n    sessions: { warmPool: -1, idleTimeout: soon }\n');
    const result = await toolport(['up', '--config', bad, '--port', '0', '--data-dir', join(dataDir, 'bad')]);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /runtimes\[0\]\.sessions\.warmPool: .*>=0/);
    assert.match(result.stderr, /runtimes\[0\]\.sessions\.idleTimeout: a duration like 30s, 15m or 8h/);
  });

  it('says so when the port is taken, instead of a stack trace', async () => {
    const result = await toolport(['up', '--port', new URL(url).port, '--data-dir', join(dataDir, 'second')]);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /^toolport: 127\.0\.0\.1:\d+ is already in use: stop the other process or pass --port\n$/);
  });

  it('publishes the JSON Schema of toolport.yaml that docs/toolport.schema.json holds', async () => {
    const { stdout } = await toolport(['schema']);
    assert.deepEqual(JSON.parse(stdout), JSON.parse(await readFile('docs/toolport.schema.json', 'utf8')));
    assert.ok(JSON.parse(stdout).properties.runtimes);
  });
});
