/**
 * The official MCP conformance suite's client scenarios (suite `core`, which includes every `auth` scenario) against
 * the Toolport client library through examples/conformance/client.ts. Expected failures, with why:
 * expected-failures-client.json.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { differenceFromExpected, type ExpectedFailure } from './run-conformance.js';
import { runClientConformance } from './client-conformance.js';

const expected = JSON.parse(readFileSync(new URL('./expected-failures-client.json', import.meta.url), 'utf8')) as { core: ExpectedFailure[] };
const SUITE_TIMEOUT_MS = 160_000;
/** Room for the harness to run a few failed scenarios once more on their own (client-conformance.ts). */
const RERUN_ALLOWANCE_MS = 120_000;

describe('conformance suite client scenarios against the Toolport client', { timeout: SUITE_TIMEOUT_MS + RERUN_ALLOWANCE_MS + 15_000 }, () => {
  it('passes every core and auth client scenario except the expected failures', { timeout: SUITE_TIMEOUT_MS + RERUN_ALLOWANCE_MS + 10_000 }, async (t) => {
    const result = await runClientConformance({
      run: { suite: 'core' },
      timeoutMs: SUITE_TIMEOUT_MS,
      signal: t.signal,
      expectedFailures: expected.core.map((entry) => entry.scenario),
    });
    t.diagnostic(`client core suite: ${result.passed.length} passed, ${result.failed.length} failed`);
    for (const entry of result.rerun) t.diagnostic(`passed only when run again on its own: ${entry.scenario} (first: ${entry.detail.split('\n')[0]})`);
    const difference = differenceFromExpected(result, expected.core);
    assert.equal(difference, undefined, difference ?? '');
    const ran = [...result.passed, ...result.failed.map((entry) => entry.scenario)];
    for (const scenario of ['initialize', 'tools_call', 'sse-retry', 'auth/metadata-default', 'auth/token-endpoint-auth-basic', 'auth/pre-registration']) {
      assert.ok(ran.includes(scenario), `scenario ${scenario} ran`);
    }
    assert.ok(ran.filter((scenario) => scenario.startsWith('auth/')).length >= 14, 'every auth-suite scenario ran');
  });
});
