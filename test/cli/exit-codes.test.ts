// Every verb's exit code, with and without --json: 0 ok, 1 error, 2 usage, 3 authentication, 4 unreachable, 5 tool
// error. Real CLI processes against a real platform, a protected runtime, and a loopback port nothing listens on.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { freeLoopbackPort } from '../../src/http/index.js';
import { platformWithSecureGreet, type testPlatform } from '../helpers/platform.js';
import { startTestIssuer, type TestIssuer } from '../helpers/issuer.js';
import { toolport, type CliRun } from '../helpers/cli.js';
import { closeAll } from '../helpers/teardown.js';

/** The verbs that talk to an MCP endpoint, each with the arguments it needs after the target. */
const MCP_VERBS: string[][] = [
  ['tools'],
  ['call', '{target}', 'greet_user', '--args', '{"name":"Exit"}'],
  ['resources'],
  ['read', '{target}', 'file:///nothing'],
  ['templates'],
  ['prompts'],
  ['get-prompt', '{target}', 'nothing'],
  ['test'],
  ['ping'],
  ['bench', '{target}', '--iterations', '1'],
];

/** The control-plane verbs, one per group. */
const API_VERBS: string[][] = [
  ['runtime', 'list'],
  ['runtime', 'get', 'greet'],
  ['gateway', 'list'],
  ['target', 'list', 'nothing'],
  ['identity', 'user', 'list'],
  ['identity', 'credential', 'list'],
  ['identity', 'access-key', 'list'],
  ['identity', 'keys', 'list'],
];

/** A verb with `{target}` filled in; a verb without `{target}` takes the target as its first argument. */
function withTarget(verb: string[], target: string): string[] {
  const filled = verb.map((arg) => arg.replace('{target}', target));
  return verb.includes('{target}') ? filled : [filled[0] as string, target, ...filled.slice(1)];
}

/** The one JSON object a --json failure prints on stderr. */
function jsonFailure(run: CliRun): { reason: string; exitCode: number; message: string } {
  return (JSON.parse(run.stderr) as { error: { reason: string; exitCode: number; message: string } }).error;
}

describe('exit codes: the same for every verb, with or without --json', () => {
  let platform: Awaited<ReturnType<typeof testPlatform>>;
  let issuer: TestIssuer;
  let closed: string;

  before(async () => {
    issuer = await startTestIssuer();
    platform = await platformWithSecureGreet(issuer);
    // A loopback port that was free a moment ago and that nothing here listens on: connection refused.
    closed = `http://127.0.0.1:${await freeLoopbackPort()}`;
  });
  after(() =>
    closeAll(
      () => platform?.stop(),
      () => issuer?.close(),
    ),
  );

  it('0 for help and the version, 2 for an unknown verb, flag or value', async () => {
    assert.equal((await toolport(['--version'])).code, 0);
    assert.equal((await toolport(['--help'])).code, 0);
    const help = await toolport(['runtime', '--help']);
    assert.equal(help.code, 0);
    assert.match((await toolport(['--help'])).stdout, /Exit codes: 0 ok, 1 error, 2 usage, 3 authentication, 4 unreachable, 5 tool error\./);
    assert.equal((await toolport([])).code, 2);
    assert.equal((await toolport(['nosuch'])).code, 2);
    assert.equal((await toolport(['runtime', 'lst'])).code, 2);
    assert.equal((await toolport(['runtime', 'list', '--bogus'])).code, 2);
    assert.equal((await toolport(['up', '--port', 'many'])).code, 2);
    const badArgs = await toolport(['call', `${closed}/mcp`, 'greet_user', '--args', '{nope', '--json']);
    assert.equal(badArgs.code, 2);
    assert.deepEqual([jsonFailure(badArgs).reason, jsonFailure(badArgs).exitCode], ['usage', 2]);
    for (const verb of MCP_VERBS) {
      const run = await toolport([...withTarget(verb, `${closed}/mcp`), '--bogus-flag']);
      assert.equal(run.code, 2, `${verb[0]}: ${run.stderr}`);
    }
  });

  it('4 when nothing answers, for every MCP verb and every control-plane group', async () => {
    for (const [index, verb] of MCP_VERBS.filter(([name]) => name !== 'bench').entries()) {
      // Every other verb with --json, whose failure is then one JSON object on stderr.
      const json = index % 2 === 0 ? ['--json'] : [];
      const run = await toolport([...withTarget(verb, `${closed}/mcp`), ...json]);
      assert.equal(run.code, 4, `${verb.join(' ')} ${json.join('')}: ${run.stderr}`);
      if (json.length) assert.equal(jsonFailure(run).reason, 'unreachable', run.stderr);
    }
    for (const verb of API_VERBS) {
      const run = await toolport([...verb, '--server', closed, '--token', 'tpa_any']);
      assert.equal(run.code, 4, `${verb.join(' ')}: ${run.stderr}`);
      assert.match(run.stderr, /cannot reach the Toolport server/);
    }
    const config = await toolport(['config', 'claude-code', `${closed}/mcp`]);
    assert.equal(config.code, 4, config.stderr);
  });

  it('3 when credentials are missing or refused', async () => {
    for (const verb of API_VERBS) {
      const run = await toolport([...verb, '--server', platform.url, '--token', 'tpa_wrong']);
      assert.equal(run.code, 3, `${verb.join(' ')}: ${run.stderr}`);
    }
    // No admin token at all: refused before anything is sent.
    const none = await toolport(['runtime', 'list', '--server', platform.url, '--data-dir', '/nonexistent'], { TOOLPORT_ADMIN_TOKEN: '' });
    assert.equal(none.code, 3, none.stderr);
    // Each verb once, the revisions alternating, so both are covered without running every pair.
    for (const [index, verb] of MCP_VERBS.filter(([name]) => name !== 'bench').entries()) {
      const protocol = index % 2 === 0 ? '2026-07-28' : '2025-11-25';
      const run = await toolport([...withTarget(verb, 'runtime:secure'), '--server', platform.url, '--protocol', protocol]);
      assert.equal(run.code, 3, `${verb[0]} ${protocol}: ${run.stderr}`);
    }
  });

  it('5 when the tool answers with an error, in both revisions, with and without --json; 0 when it succeeds', async () => {
    for (const protocol of ['2026-07-28', '2025-11-25']) {
      const ok = await toolport(['call', 'runtime:greet', 'greet_user', '--args', '{"name":"Exit"}', '--server', platform.url, '--protocol', protocol]);
      assert.equal(ok.code, 0, ok.stderr);
      const args = ['call', 'runtime:greet', 'greet_user', '--args', '{"name":5}', '--server', platform.url, '--protocol', protocol];
      const failed = await toolport(args);
      assert.equal(failed.code, 5, failed.stderr);
      assert.match(failed.stdout, /Invalid arguments for tool greet_user/);
      const json = await toolport([...args, '--json']);
      assert.equal(json.code, 5, json.stderr);
      assert.equal((JSON.parse(json.stdout) as { isError?: boolean }).isError, true);
    }
  });

  it('1 for any other failure: a missing runtime, a config for an endpoint that is not there, a bench with failures', async () => {
    const missing = await toolport(['runtime', 'get', 'nothing', '--server', platform.url, '--data-dir', platform.dataDir, '--json']);
    assert.equal(missing.code, 1, missing.stderr);
    assert.equal(missing.stdout, '');
    assert.deepEqual([jsonFailure(missing).reason, jsonFailure(missing).exitCode], ['error', 1]);
    const noGateway = await toolport(['config', 'claude-code', 'gateway:nosuch', '--server', platform.url]);
    assert.equal(noGateway.code, 1, noGateway.stderr);
    assert.equal(noGateway.stdout, '');
    assert.match(noGateway.stderr, /no MCP endpoint at .*gateways\/nosuch.* \(404/);
    // A bench where every iteration failed, and one where some did: non-zero unless --max-failures allows them.
    const unreachable = await toolport(['bench', `${closed}/mcp`, '--iterations', '2']);
    assert.equal(unreachable.code, 1, unreachable.stderr);
    assert.match(unreachable.stderr, /2 failed requests/);
    const allowed = await toolport(['bench', `${closed}/mcp`, '--iterations', '2', '--max-failures', '2']);
    assert.equal(allowed.code, 0, allowed.stderr);
    const tooMany = await toolport(['bench', `${closed}/mcp`, '--iterations', '2', '--max-failures', '1']);
    assert.equal(tooMany.code, 1, tooMany.stderr);
    assert.match(tooMany.stderr, /2 failed requests, more than --max-failures 1/);
  });
});
