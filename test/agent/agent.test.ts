import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { toolport } from '../helpers/cli.js';
import { GREET_COMMAND, testPlatform } from '../helpers/platform.js';
import { startFakeModel, type FakeModel, type ModelMove, type ModelTurn } from '../fixtures/fake-model.js';
import { closeAll } from '../helpers/teardown.js';

/** The scripted model: greet whoever the prompt names, then answer with what the tool said. */
function greeter(turn: ModelTurn): ModelMove {
  const done = turn.toolResults.at(-1);
  if (done !== undefined) return { text: `The tool said: ${done}` };
  const tool = turn.tools.find((name) => name.endsWith('greet_user')) ?? 'greet_user';
  return { call: { name: tool, arguments: { name: /greet (\w+)/i.exec(turn.prompt)?.[1] ?? 'nobody' } } };
}

describe('toolport agent', () => {
  let platform: Awaited<ReturnType<typeof testPlatform>>;
  let model: FakeModel;
  before(async () => {
    platform = await testPlatform();
    await platform.control.createRuntime('greet', { command: GREET_COMMAND, sessions: { warmPool: 0 } });
    await platform.gatewayService.createGateway('tools', { auth: 'none', search: true, targets: [{ name: 'greet', type: 'mcp', runtime: 'greet' }] });
    model = await startFakeModel(greeter);
  });
  after(() =>
    closeAll(
      () => model?.close(),
      () => platform?.stop(),
    ),
  );

  const env = (): Record<string, string> => ({ OPENAI_API_KEY: 'sk-test-key', OPENAI_BASE_URL: model.baseUrl });

  for (const [provider, api] of [
    ['openai-chat', 'chat'],
    ['openai', 'responses'],
  ] as const) {
    it(`answers with a runtime's tools through ${api === 'chat' ? 'Chat Completions' : 'the Responses API'}`, async () => {
      const before = model.turns.length;
      const run = await toolport(
        ['agent', 'Please greet Ada', '--runtime', 'greet', '--server', platform.url, '--model', `${provider}:gpt-test`, '--json'],
        env(),
      );
      assert.equal(run.code, 0, run.stderr);
      const result = JSON.parse(run.stdout) as {
        answer: string;
        trace: { tool: string; arguments: unknown; isError: boolean; result: string }[];
        toolsOffered: string[];
      };
      assert.equal(result.answer, 'The tool said: Hello, Ada! Nice to meet you. This is a test message.');
      assert.deepEqual(
        result.trace.map(({ tool, arguments: args, isError }) => ({ tool, args, isError })),
        [{ tool: 'greet_user', args: { name: 'Ada' }, isError: false }],
      );
      assert.ok(result.toolsOffered.includes('greet_user') && result.toolsOffered.includes('echo'));
      const turns = model.turns.slice(before);
      assert.equal(turns.length, 2, 'one turn to call the tool, one to answer');
      assert.ok(turns.every((turn) => turn.api === api && turn.model === 'gpt-test'));
      assert.ok(turns[0]?.tools.includes('greet_user'), 'the runtime tools were offered to the model as functions');
      assert.match(turns[1]?.toolResults[0] ?? '', /Hello, Ada!/, "the tool's real output went back to the model");
      assert.ok(model.keys.slice(-2).every((key) => key === 'Bearer sk-test-key'));
    });
  }

  it('prints the answer on stdout and the trace of tool calls on stderr', async () => {
    const run = await toolport(['agent', 'greet Grace', '--runtime', 'greet', '--server', platform.url, '--model', 'openai-chat:gpt-test'], env());
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout, 'The tool said: Hello, Grace! Nice to meet you. This is a test message.\n');
    assert.match(run.stderr, /model openai-chat:gpt-test/);
    assert.match(run.stderr, /1\. greet_user\(\{"name":"Grace"\}\) ok \d+ ms → Hello, Grace!/);
  });

  it("with more tools than --max-tools, offers the gateway's search tool, its best hits and call_tool", async () => {
    const before = model.turns.length;
    const run = await toolport(
      ['agent', 'Please greet Lin', '--gateway', 'tools', '--server', platform.url, '--model', 'openai-chat:gpt-test', '--max-tools', '3', '--json'],
      env(),
    );
    assert.equal(run.code, 0, run.stderr);
    const result = JSON.parse(run.stdout) as { answer: string; toolMode: string; toolsOffered: string[]; trace: { tool: string }[] };
    assert.equal(result.toolMode, 'search');
    assert.equal(result.toolsOffered[0], 'x_amz_bedrock_agentcore_search');
    assert.ok(result.toolsOffered.includes('greet___greet_user') && result.toolsOffered.at(-1) === 'call_tool', result.toolsOffered.join(','));
    assert.ok(result.toolsOffered.length <= 12, 'the search tool, at most ten hits and call_tool');
    assert.deepEqual(
      result.trace.map((call) => call.tool),
      ['greet___greet_user'],
    );
    assert.match(result.answer, /Hello, Lin!/);
    assert.ok(model.turns.slice(before)[0]?.tools.includes('greet___greet_user'));
  });

  it('names the missing key, the unknown provider and the missing target', async () => {
    const noKey = await toolport(['agent', 'hi', '--runtime', 'greet', '--server', platform.url, '--model', 'openai:gpt-test'], { OPENAI_API_KEY: '' });
    assert.equal(noKey.code, 1);
    assert.match(noKey.stderr, /the openai provider needs OPENAI_API_KEY in the environment/);
    const noModel = await toolport(['agent', 'hi', '--runtime', 'greet', '--server', platform.url], { OPENAI_API_KEY: '', ANTHROPIC_API_KEY: '' });
    assert.match(noModel.stderr, /no model: set OPENAI_API_KEY or ANTHROPIC_API_KEY, or pass --model/);
    const unknown = await toolport(['agent', 'hi', '--runtime', 'greet', '--server', platform.url, '--model', 'mystery:x'], env());
    assert.match(unknown.stderr, /unknown model provider "mystery"/);
    const noTarget = await toolport(['agent', 'hi', '--model', 'openai:x'], env());
    assert.match(noTarget.stderr, /name exactly one target: --gateway NAME, --runtime NAME or --url URL/);
  });
});
