import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { connectRuntime, testPlatform } from '../helpers/platform.js';
import { toolport } from '../helpers/cli.js';

describe('toolport resources, templates, read, prompts, get-prompt, and runtime sessions', () => {
  let platform: Awaited<ReturnType<typeof testPlatform>>;
  const target = (): string[] => ['runtime:conformance', '--server', platform.url];

  before(async () => {
    platform = await testPlatform();
    await platform.control.createRuntime('conformance', { command: ['node', '--import', 'tsx', 'examples/conformance/server.ts'], sessions: { warmPool: 1 } });
    await platform.control.createRuntime('adder', { module: 'examples/greet/tools.js', sessions: { warmPool: 0 } });
  });
  after(() => platform.stop());

  it('lists resources and templates and reads a resource', async () => {
    const resources = JSON.parse((await toolport(['resources', ...target(), '--json'])).stdout) as { uri: string }[];
    assert.ok(resources.some((resource) => resource.uri === 'test://static-text'));
    const templates = await toolport(['templates', ...target()]);
    assert.match(templates.stdout, /test:\/\/template\/\{id\}\/data/);
    const read = JSON.parse((await toolport(['read', ...target(), 'test://static-text', '--json'])).stdout) as { contents: { uri: string; text?: string }[] };
    assert.equal(read.contents[0]?.uri, 'test://static-text');
    assert.ok((read.contents[0]?.text ?? '').length > 0);
  });

  it('lists prompts and gets one with arguments', async () => {
    const prompts = await toolport(['prompts', ...target()]);
    assert.match(prompts.stdout, /test_prompt_with_arguments/);
    const prompt = JSON.parse(
      (await toolport(['get-prompt', ...target(), 'test_prompt_with_arguments', '--arg', 'arg1=alpha', '--arg', 'arg2=beta', '--json'])).stdout,
    ) as {
      messages: { content: { text?: string } }[];
    };
    assert.match(prompt.messages[0]?.content.text ?? '', /alpha/);
    assert.match(prompt.messages[0]?.content.text ?? '', /beta/);
  });

  it('hosts a JavaScript module of tools, as the README shows, and lists its sessions', async () => {
    const call = await toolport(['call', 'runtime:adder', 'greet_user', '--arg', 'name=Module', '--server', platform.url]);
    assert.equal(call.stdout, 'Hello, Module! Nice to meet you. This is a test message.\n');
    const open = await connectRuntime(platform, 'adder');
    const sessions = await toolport(['runtime', 'sessions', 'adder', '--server', platform.url, '--token', platform.adminToken, '--json']);
    assert.equal(sessions.code, 0, sessions.stderr);
    const listed = JSON.parse(sessions.stdout) as { id: string; pid: number }[];
    // The CLI's call spoke 2026-07-28 (no session): it ran on the runtime's shared stateless worker, listed beside
    // the 2025-11-25 session still open.
    assert.deepEqual(listed.map((session) => session.id).sort(), [open.transport.sessionId, 'stateless-adder-v1'].sort());
    assert.ok(listed.every((session) => session.pid > 0));
    await open.transport.terminateSession();
  });
});
