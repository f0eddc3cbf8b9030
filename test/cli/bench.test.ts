import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import type { Browser } from 'playwright-core';
import { PHASES, renderBenchHtml, summarize, type BenchResult } from '../../src/client/index.js';
import { progressLine } from '../../src/cli/bench-command.js';
import { eventually, GREET_COMMAND, invocationUrl, testPlatform } from '../helpers/platform.js';
import { startTestIssuer, type TestIssuer } from '../helpers/issuer.js';
import { launchBrowser } from '../helpers/browser.js';
import { createLogger } from '../../src/log/index.js';
import { toolport } from '../helpers/cli.js';
import { closeAll } from '../helpers/teardown.js';

const two = (value: number): string => value.toFixed(2);

describe('toolport bench: iterations, load phase, HTML report', () => {
  let platform: Awaited<ReturnType<typeof testPlatform>>;
  let issuer: TestIssuer;
  let browser: Browser;
  let dir: string;
  const logLines: string[] = [];

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'toolport-bench-test-'));
    issuer = await startTestIssuer();
    // The gateway fronts its own copy of the greet server, so runtime greet's sessions are the bench's alone.
    const config = join(dir, 'toolport.yaml');
    await writeFile(
      config,
      [
        'runtimes:',
        `  - { name: greet, command: ${JSON.stringify(GREET_COMMAND)}, sessions: { warmPool: 2 } }`,
        `  - { name: upstream, command: ${JSON.stringify(GREET_COMMAND)}, sessions: { warmPool: 1 } }`,
        'gateways:',
        '  - { name: demo, targets: [{ name: greet, type: mcp, runtime: upstream }] }',
      ].join('\n'),
    );
    platform = await testPlatform({ config, logger: createLogger('info', (line) => logLines.push(line)) });
    await platform.control.createRuntime('secure', {
      command: GREET_COMMAND,
      auth: { jwt: { discoveryUrl: issuer.discoveryUrl, allowedAudiences: ['toolport'] } },
      sessions: { warmPool: 1 },
    });
    // Declares no read-only tool, so a bench without --tool times no call and loads it with tools/list.
    await platform.control.createRuntime('conformance', { command: ['node', '--import', 'tsx', 'examples/conformance/server.ts'], sessions: { warmPool: 1 } });
    browser = await launchBrowser();
  });
  after(() =>
    closeAll(
      () => browser?.close(),
      () => platform?.stop(),
      () => issuer?.close(),
      () => dir && rm(dir, { recursive: true, force: true }),
    ),
  );

  it('times every phase per iteration, adds a load phase, and writes an HTML report whose charts and numbers match the JSON', async () => {
    const html = join(dir, 'report.html');
    const run = await toolport([
      'bench',
      'runtime:greet',
      '--compare',
      'gateway:demo',
      '--iterations',
      '4',
      '--tool',
      'greet_user',
      '--args',
      '{"name":"Jack"}',
      '--concurrency',
      '3',
      '--duration',
      '800ms',
      '--server',
      platform.url,
      '--json',
      '--html',
      html,
    ]);
    assert.equal(run.code, 0, `${run.stderr}${run.stdout}`);
    const results = JSON.parse(run.stdout) as BenchResult[];
    assert.deepEqual(
      results.map((r) => r.target),
      ['runtime:greet', 'gateway:demo'],
    );
    assert.deepEqual(
      results.map((r) => r.tool),
      ['greet_user', 'greet___greet_user'],
      'one --tool names the runtime tool and its gateway name',
    );
    for (const result of results) {
      assert.deepEqual(result.errors, []);
      for (const phase of PHASES) {
        const samples = result.samples[phase];
        assert.equal(samples.length, 4, `${phase} has one sample per iteration`);
        const mean = samples.reduce((a, b) => a + b, 0) / samples.length;
        assert.ok(Math.abs(result.phases[phase].mean - mean) < 1e-9, `${phase} mean summarizes its samples`);
        assert.equal(result.phases[phase].min, Math.min(...samples));
        assert.equal(result.phases[phase].max, Math.max(...samples));
      }
      for (let i = 0; i < 4; i++) {
        const parts = (['connection', 'initialize', 'list_tools', 'call_tool'] as const).reduce((sum, phase) => sum + (result.samples[phase][i] as number), 0);
        assert.ok(Math.abs((result.samples.total[i] as number) - parts) < 1e-6, 'total is the sum of the phases of the same iteration');
      }
      const load = result.load;
      assert.ok(load, 'the load phase ran');
      assert.equal(load.operation, `tools/call ${result.tool}`);
      assert.equal(load.concurrency, 3);
      assert.equal(load.errors, 0, load.firstError ?? '');
      assert.ok(load.calls > 10, `only ${load.calls} calls in the load phase`);
      assert.ok(load.callsPerSecond > 0 && load.latency.p99 >= load.latency.median);
      assert.ok(load.elapsedMs > 0 && load.elapsedMs < 800 + 5_000, `load phase took ${load.elapsedMs} ms`);
      assert.equal(
        load.histogram.reduce((sum, bin) => sum + bin.count, 0),
        load.calls,
        'the histogram counts every answered call',
      );
      assert.equal(
        load.perSecond.reduce((a, b) => a + b, 0),
        load.calls,
      );
    }
    // 2026-07-28 (the default) opens no session: only the runtime's shared stateless worker may stay.
    await eventually(
      () => platform.runtimes.listSessions('greet').every((session) => session.id.startsWith('stateless-greet-')),
      10_000,
      'every bench session to end',
    );

    const page = await browser.newPage();
    const outside: string[] = [];
    const problems: string[] = [];
    page.on('request', (request) => {
      if (!request.url().startsWith('file:')) outside.push(request.url());
    });
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(message.text());
    });
    page.on('pageerror', (error) => problems.push(error.message));
    await page.goto(pathToFileURL(html).href);
    const charts = await page.$$eval('figure.chart', (figures) =>
      figures.map((figure) => {
        const svg = figure.querySelector('svg');
        const box = svg?.getBoundingClientRect();
        return {
          phase: figure.getAttribute('data-phase'),
          svgs: figure.querySelectorAll('svg').length,
          width: box?.width ?? 0,
          height: box?.height ?? 0,
          lines: figure.querySelectorAll('polyline').length,
          areas: figure.querySelectorAll('path').length,
        };
      }),
    );
    assert.deepEqual(
      charts.map((c) => c.phase),
      [...PHASES, 'load'],
      'one chart per phase, then the load phase',
    );
    for (const chart of charts) {
      assert.equal(chart.svgs, 1, `${chart.phase} has exactly one chart`);
      assert.ok(chart.width > 300 && chart.height > 100, `${chart.phase} chart is rendered (${chart.width}×${chart.height})`);
      if (chart.phase === 'load') assert.ok(chart.areas >= 2, 'a histogram outline per target');
      else assert.equal(chart.lines, 2, `${chart.phase}: one per-iteration line per target`);
    }
    for (const phase of PHASES) {
      for (const [index, result] of results.entries()) {
        const cell = (stat: string): Promise<string> =>
          page.$eval(`table[data-phase="${phase}"] tr[data-target="${index}"] td[data-stat="${stat}"]`, (td) => td.textContent ?? '');
        for (const stat of ['mean', 'stddev', 'median', 'p95', 'min', 'max'] as const)
          assert.equal(await cell(stat), two(result.phases[phase][stat]), `${phase} ${stat} of target ${index}`);
        assert.equal(await cell('n'), String(result.phases[phase].n));
      }
    }
    for (const [index, result] of results.entries()) {
      const cell = (stat: string): Promise<string> =>
        page.$eval(`table[data-phase="load"] tr[data-target="${index}"] td[data-stat="${stat}"]`, (td) => td.textContent ?? '');
      assert.equal(await cell('calls'), String(result.load?.calls));
      assert.equal(await cell('p50'), two(result.load?.latency.median as number));
      assert.equal(await cell('p99'), two(result.load?.latency.p99 as number));
      assert.equal(await cell('callsPerSecond'), (result.load?.callsPerSecond as number).toFixed(1));
    }
    const embedded = JSON.parse(await page.$eval('#bench-data', (script) => script.textContent ?? '')) as BenchResult[];
    assert.deepEqual(embedded, results, 'the report carries the same JSON document');
    assert.deepEqual(outside, [], 'the report loads nothing from outside the file');
    assert.deepEqual(problems, []);
    const source = await readFile(html, 'utf8');
    assert.doesNotMatch(source, /<script(?![^>]*application\/json)|<link|src=|@import/i, 'no scripts, stylesheets or external assets');
    await page.close();
  });

  it('renders names and errors from the targets as text, never as markup', async () => {
    const hostile = '</script><script>window.injected=1</script><img src=x onerror="window.injected=2">';
    const samples = Object.fromEntries(PHASES.map((phase) => [phase, [1, 2, 3]])) as BenchResult['samples'];
    const result: BenchResult = {
      target: hostile,
      url: `http://127.0.0.1/${hostile}`,
      tool: hostile,
      phases: Object.fromEntries(PHASES.map((phase) => [phase, summarize(samples[phase])])) as BenchResult['phases'],
      samples,
      errors: [`iteration 4: ${hostile}`],
    };
    const file = join(dir, 'hostile.html');
    await writeFile(file, renderBenchHtml([result], { command: `toolport bench ${hostile}`, generatedAt: new Date(0), iterations: 4 }));
    const page = await browser.newPage();
    await page.goto(pathToFileURL(file).href);
    assert.equal(await page.evaluate(() => (window as unknown as { injected?: number }).injected), undefined, 'no markup from a target name ran');
    assert.equal(await page.$$eval('img', (images) => images.length), 0);
    assert.ok((await page.textContent('h1'))?.includes(hostile), 'the name is shown as text');
    assert.deepEqual(JSON.parse(await page.$eval('#bench-data', (script) => script.textContent ?? '')), [result]);
    await page.close();
  });

  it('bounds the load phase by --max-calls; without --tool times a read-only tool without arguments, else loads with tools/list; keeps the token out of the report', async () => {
    const run = await toolport([
      'bench',
      'runtime:greet',
      '--iterations',
      '1',
      '--concurrency',
      '2',
      '--duration',
      '30s',
      '--max-calls',
      '12',
      '--tool',
      'greet_user',
      '--args',
      '{"name":"x"}',
      '--server',
      platform.url,
      '--json',
    ]);
    assert.equal(run.code, 0, run.stderr);
    const [result] = JSON.parse(run.stdout) as BenchResult[];
    assert.equal(result?.load?.calls, 12, 'exactly --max-calls calls, long before --duration');
    assert.ok((result?.load?.elapsedMs ?? Infinity) < 10_000);

    const token = await issuer.mint({ aud: 'toolport', sub: 'bench' });
    const report = join(dir, 'secure.html');
    const listing = await toolport([
      'bench',
      invocationUrl(platform, 'secure').href,
      '--iterations',
      '1',
      '--concurrency',
      '1',
      '--duration',
      '300ms',
      `--token=${token}`,
      '--json',
      '--html',
      report,
    ]);
    assert.equal(listing.code, 0, listing.stderr);
    const html = await readFile(report, 'utf8');
    assert.ok(!html.includes(token) && html.includes('--token=***'), 'the report shows the command without the token');
    const [secured] = JSON.parse(listing.stdout) as BenchResult[];
    assert.equal(secured?.tool, 'whoami', 'without --tool the read-only tool without arguments is timed');
    assert.equal(secured?.load?.operation, 'tools/call whoami');

    const untimed = await toolport([
      'bench',
      'runtime:conformance',
      '--iterations',
      '1',
      '--concurrency',
      '1',
      '--duration',
      '300ms',
      '--server',
      platform.url,
      '--json',
    ]);
    assert.equal(untimed.code, 0, untimed.stderr);
    const [listed] = JSON.parse(untimed.stdout) as BenchResult[];
    assert.equal(listed?.tool, null, 'no tool is called by guessing');
    assert.equal(listed?.phases.call_tool.n, 0);
    assert.equal(listed?.load?.operation, 'tools/list');
    assert.ok((listed?.load?.calls ?? 0) > 0 && listed?.load?.errors === 0);
  });

  it('interleaves compared targets A B A B, one iteration at a time', async () => {
    const from = logLines.length;
    const run = await toolport(['bench', 'runtime:greet', '--compare', 'runtime:upstream', '--iterations', '3', '--server', platform.url, '--json']);
    assert.equal(run.code, 0, run.stderr);
    // The runtime logs one line per request, in arrival order: an iteration's requests all reach one runtime before
    // the next iteration's reach the other.
    const turns = logLines
      .slice(from)
      .map((line) => JSON.parse(line) as { msg: string; runtime?: string })
      .filter((entry) => entry.msg === 'invocation')
      .map((entry) => entry.runtime)
      .filter((runtime, i, all) => runtime !== all[i - 1]);
    assert.deepEqual(turns, ['greet', 'upstream', 'greet', 'upstream', 'greet', 'upstream']);
  });

  it('prints the seed table with the load phase, reports failures, and refuses bad flags', async () => {
    const table = await toolport(['bench', 'runtime:greet', '--iterations', '2', '--concurrency', '2', '--duration', '300ms', '--server', platform.url]);
    assert.equal(table.code, 0, table.stderr);
    assert.match(table.stdout, /^PHASE +MEAN ± SD +MEDIAN +P95 +MIN +MAX +N$/m);
    assert.match(
      table.stdout,
      /^load phase\nTARGET +OPERATION +CLIENTS +CALLS +CALLS\/S +P50 +P99 +ERRORS\nruntime:greet +tools\/call whoami +2 +\d+ +[\d.]+ +[\d.]+ +[\d.]+ +0$/m,
    );

    const denied = await toolport(['bench', 'runtime:secure', '--iterations', '2', '--server', platform.url, '--json']);
    assert.equal(denied.code, 1, 'every iteration failed');
    const [failed] = JSON.parse(denied.stdout) as BenchResult[];
    assert.equal(failed?.errors.length, 2);
    assert.match(failed?.errors[0] ?? '', /^iteration 1: 401 from http:\/\/127.0.0.1:\d+: .* — pass --token/);

    // A named tool no iteration reached is not loaded: one clear line instead of thousands of failed calls.
    const unreached = await toolport([
      'bench',
      'runtime:secure',
      '--iterations',
      '1',
      '--tool',
      'whoami',
      '--concurrency',
      '2',
      '--duration',
      '300ms',
      '--server',
      platform.url,
      '--json',
    ]);
    const [skipped] = JSON.parse(unreached.stdout) as BenchResult[];
    assert.equal(skipped?.load, undefined, 'no load phase');
    assert.deepEqual(skipped?.errors.slice(1), ['load phase skipped: no iteration reached --tool whoami']);

    for (const [flags, message] of [
      [['--iterations', '0'], /--iterations must be a whole number from 1 to 100000, got 0/],
      [['--concurrency', '0'], /--concurrency must be a whole number from 1 to 1000, got 0/],
      [['--concurrency', '2', '--duration', 'soon'], /--duration: "soon" is not a duration/],
      [['--args', '{'], /--args must be a JSON object/],
    ] as const) {
      const bad = await toolport(['bench', 'runtime:greet', '--server', platform.url, ...flags]);
      assert.equal(bad.code, 2);
      assert.match(bad.stderr, message);
    }
  });

  it('draws a progress bar on a terminal and nothing when stderr is not one', async () => {
    assert.equal(progressLine({ stage: 'iterations', done: 7, total: 14 }, 10), '[#####-----] 7/14 iterations');
    assert.equal(progressLine({ stage: 'load', done: 100, total: 100, target: 'runtime:greet' }, 4), '[####] load runtime:greet 100%');
    // `script` gives the CLI a pseudo-terminal, as a person's shell would.
    const command = `${process.execPath} bin/toolport.js bench runtime:greet --iterations 3 --server ${platform.url} --json`;
    const { stdout } = await promisify(execFile)('script', ['-qec', command, '/dev/null'], { env: { ...process.env, TOOLPORT_TOKEN: '' }, timeout: 60_000 });
    assert.match(stdout, /\[#+-*\] 1\/3 iterations/);
    assert.match(stdout, /\[#{28}\] 3\/3 iterations/);
    const piped = await toolport(['bench', 'runtime:greet', '--iterations', '1', '--server', platform.url, '--json']);
    assert.equal(piped.stderr, '', 'no progress bar into a pipe');
  });
});
