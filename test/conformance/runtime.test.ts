/**
 * Runs the official MCP conformance suite against examples/conformance/server.ts HOSTED BY TOOLPORT'S RUNTIME
 * (stdio worker per session, reached at /runtimes/conformance/invocations?qualifier=DEFAULT), for both revisions.
 * Expected failures: expected-failures.json (the fixture's own) plus expected-failures-runtime.json.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { invocationUrl, testPlatform } from '../helpers/platform.js';
import { differenceFromExpected, runConformance, type ConformanceRevision, type ExpectedFailure } from './run-conformance.js';

const read = (file: string): Record<ConformanceRevision, ExpectedFailure[]> =>
  JSON.parse(readFileSync(new URL(file, import.meta.url), 'utf8')) as Record<ConformanceRevision, ExpectedFailure[]>;
const fixtureFailures = read('./expected-failures.json');
const runtimeFailures = read('./expected-failures-runtime.json');
const SUITE_TIMEOUT_MS = 120_000;

describe('conformance suite against the conformance server hosted by the runtime', { timeout: 300_000, concurrency: 1 }, () => {
  let platform: Awaited<ReturnType<typeof testPlatform>>;

  before(async () => {
    platform = await testPlatform();
    await platform.control.createRuntime('conformance', {
      command: ['node', '--import', 'tsx', 'examples/conformance/server.ts'],
      sessions: { warmPool: 4, maxSessions: 200 },
    });
  });
  after(() => platform.stop());

  for (const revision of ['2025-11-25', '2026-07-28'] as const) {
    it(`passes every ${revision} server scenario except the expected failures`, { timeout: SUITE_TIMEOUT_MS + 10_000 }, async (t) => {
      const result = await runConformance({ url: invocationUrl(platform, 'conformance').href, revision, timeoutMs: SUITE_TIMEOUT_MS, signal: t.signal });
      t.diagnostic(`${revision} through the runtime: ${result.passed.length} passed, ${result.failed.length} failed`);
      const difference = differenceFromExpected(result, [...fixtureFailures[revision], ...runtimeFailures[revision]]);
      assert.equal(difference, undefined, difference ?? '');
      assert.ok(result.passed.length > 0, 'no scenario passed');
    });
  }
});
