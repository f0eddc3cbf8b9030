/**
 * The official MCP conformance suite's client requirement set for 2026-07-28 (scored and not_scored scenarios, at the
 * stateless wire) against the Toolport client library through examples/conformance/client.ts, whose `protocol: 'auto'`
 * speaks 2026-07-28 to these servers without being told to. Expected failures, with why:
 * expected-failures-client.json ("2026-07-28").
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { differenceFromExpected, type ExpectedFailure } from './run-conformance.js';
import { runClientConformance } from './client-conformance.js';

const expected = JSON.parse(readFileSync(new URL('./expected-failures-client.json', import.meta.url), 'utf8')) as Record<'2026-07-28', ExpectedFailure[]>;
const SUITE_TIMEOUT_MS = 165_000;
/** Room for the harness to run a few failed scenarios once more on their own (client-conformance.ts). */
const RERUN_ALLOWANCE_MS = 120_000;

describe('conformance suite 2026-07-28 client requirements against the Toolport client', { timeout: SUITE_TIMEOUT_MS + RERUN_ALLOWANCE_MS + 15_000 }, () => {
  it('passes every 2026-07-28 client scenario except the expected failures', { timeout: SUITE_TIMEOUT_MS + RERUN_ALLOWANCE_MS + 10_000 }, async (t) => {
    const result = await runClientConformance({
      run: { requirements: '2026-07-28' },
      timeoutMs: SUITE_TIMEOUT_MS,
      signal: t.signal,
      expectedFailures: expected['2026-07-28'].map((entry) => entry.scenario),
    });
    t.diagnostic(`client 2026-07-28 requirements: ${result.passed.length} passed, ${result.failed.length} failed`);
    for (const entry of result.rerun) t.diagnostic(`passed only when run again on its own: ${entry.scenario} (first: ${entry.detail.split('\n')[0]})`);
    const difference = differenceFromExpected(result, expected['2026-07-28']);
    assert.equal(difference, undefined, difference ?? '');
    for (const scenario of ['tools_call', 'request-metadata', 'http-standard-headers', 'auth/iss-supported', 'json-schema-2020-12-preservation']) {
      assert.ok(result.passed.includes(scenario), `scenario ${scenario} passes`);
    }
  });
});
