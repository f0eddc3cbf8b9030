// The README's five-minute tour, run line by line against a fresh demo (`toolport up` on examples/toolport.yaml), so
// the README cannot drift from the product: every `# → text` line must appear in what the command before it printed.
import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { startFakeModel, type FakeModel, type ModelMove, type ModelTurn } from './fixtures/fake-model.js';
import { closeAll, stopChild } from './helpers/teardown.js';

interface TourStep {
  command: string;
  expected: string[];
}

/** The commands between the tour markers and the `# →` lines under each. */
function tourSteps(readme: string): TourStep[] {
  const block = /<!-- tour:start -->\s*```bash\n([\s\S]*?)```\s*<!-- tour:end -->/.exec(readme)?.[1];
  assert.ok(block, 'README.md has a tour block between <!-- tour:start --> and <!-- tour:end -->');
  const steps: TourStep[] = [];
  for (const line of block.split('\n')) {
    const expectation = /^# → (.+)$/.exec(line);
    if (expectation?.[1]) steps.at(-1)?.expected.push(expectation[1]);
    else if (line.trim() && !line.startsWith('#')) steps.push({ command: line, expected: [] });
  }
  return steps;
}

/** The scripted model for the agent line: greet whoever the prompt names with the gateway's greet tool, then answer. */
function greeter(turn: ModelTurn): ModelMove {
  const said = turn.toolResults.at(-1);
  if (said !== undefined) return { text: `The greeting tool said: ${said}` };
  const tool = turn.tools.find((name) => name.endsWith('greet_user')) ?? 'missing_greet_tool';
  return { call: { name: tool, arguments: { name: /greet (\w+)/i.exec(turn.prompt)?.[1] ?? 'nobody' } } };
}

describe('the README tour', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'toolport-tour-'));
  let server: ChildProcess;
  let url = '';
  let model: FakeModel;

  before(async () => {
    model = await startFakeModel(greeter);
    server = spawn(process.execPath, ['bin/toolport.js', 'up', '--config', 'examples/toolport.yaml', '--data-dir', join(dataDir, 'data'), '--port', '0'], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, OPENAI_API_KEY: '', OPENAI_BASE_URL: '' },
    });
    let printed = '';
    url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`toolport up did not start in 60 s:\n${printed}`)), 60_000);
      server.stdout?.on('data', (chunk: Buffer) => {
        printed += chunk.toString();
        const found = /Toolport is up at (http:\/\/127\.0\.0\.1:\d+)/.exec(printed)?.[1];
        if (found && /admin token/.test(printed)) {
          clearTimeout(timer);
          resolve(found);
        }
      });
      server.once('exit', (code) => reject(new Error(`toolport up exited with ${code}:\n${printed}`)));
    });
  });
  after(() =>
    closeAll(
      () => stopChild(server),
      () => model?.close(),
      () => rmSync(dataDir, { recursive: true, force: true }),
    ),
  );

  it('every command prints what the README says it prints', async () => {
    const steps = tourSteps(readFileSync('README.md', 'utf8'));
    assert.ok(steps.length >= 10, `the tour has ${steps.length} commands`);
    // One shell, as a reader's terminal: `export` carries to later lines. `npx toolport` is this checkout's CLI,
    // run directly so npx does not first install the checkout into its cache. Each command's stdout and stderr
    // (a trailing comment ends inside the braces) go between markers. Run asynchronously: the fake model answering
    // the agent line lives in this process.
    const script = steps
      .map(
        (step, i) =>
          `printf '\\n@@step ${i}\\n'\n{\n${step.command.replaceAll('http://127.0.0.1:8080', url).replace(/\bnpx toolport\b/g, 'node bin/toolport.js')}\n} 2>&1`,
      )
      .join('\n')
      .concat('\ntrue');
    const run = await promisify(execFile)('bash', ['-c', script], {
      encoding: 'utf8',
      timeout: 240_000,
      maxBuffer: 16 * 1024 * 1024,
      env: {
        ...process.env,
        TOOLPORT_SERVER: url,
        TOOLPORT_DATA_DIR: join(dataDir, 'data'),
        TOOLPORT_HOME: join(dataDir, 'home'),
        TOOLPORT_TOKEN: '',
        OPENAI_API_KEY: 'sk-tour',
        OPENAI_BASE_URL: model.baseUrl,
      },
    });
    const outputs = run.stdout.split(/\n@@step \d+\n/).slice(1);
    assert.equal(outputs.length, steps.length, `every step ran:\n${run.stdout}\n${run.stderr}`);
    for (const [i, step] of steps.entries()) {
      for (const expected of step.expected) {
        assert.ok(
          outputs[i]?.includes(expected.replaceAll('http://127.0.0.1:8080', url)),
          `\`${step.command}\` should print "${expected}"; it printed:\n${outputs[i]}`,
        );
      }
    }
    assert.ok(
      model.turns.some((turn) => turn.toolResults.some((result) => result.includes('Hello, Ada!'))),
      'the agent called the greet tool through the gateway',
    );
  });
});
