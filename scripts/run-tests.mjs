#!/usr/bin/env node
// Runs every test/**/*.test.ts with Node's test runner (TypeScript through tsx). Pass paths to run fewer.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Test files run this many at a time. They mostly wait on child processes (workers, `toolport up`, Chromium, the
 * official conformance suite), so one more file than cores keeps a 2-core machine busy; at 4, start-up-heavy files
 * (`toolport up` probing every runtime) starved and timed out. TOOLPORT_TEST_CONCURRENCY overrides it.
 */
const CONCURRENCY = Number(process.env.TOOLPORT_TEST_CONCURRENCY ?? 3);
/**
 * Node 20's `--test-timeout` limits each test FILE as a whole, so it is a net for a file that never ends (a server
 * left open). It sits just above the longest limit a file sets itself (test/conformance/client-2026.test.ts, 300 s).
 * Each test is held to 60 s unless it sets its own `{ timeout }` (test/helpers/test-timeout.ts; TOOLPORT_TEST_TIMEOUT_MS
 * changes that default).
 */
const FILE_TIMEOUT_MS = 330_000;
/**
 * Files that take the longest (about 45 s or more in a full run; the long-call test mostly waits) start first, in
 * this order, so that none of them runs alone at the end while the other slots sit idle.
 */
const SLOW_FIRST = [
  'test/conformance/',
  'test/gateway/persistence.test.ts',
  'test/client/long-call.test.ts',
  'test/cli/bench.test.ts',
  'test/cli/cli.test.ts',
  'test/runtime/session-storage.test.ts',
  'test/cli/mcp-verbs.test.ts',
  'test/cli/config-command.test.ts',
  'test/runtime/sandbox.test.ts',
];

function find(dir) {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) return find(path);
    return entry.endsWith('.test.ts') ? [path] : [];
  });
}

/** A file's place in SLOW_FIRST, or past its end. */
const rank = (file) => {
  const index = SLOW_FIRST.findIndex((prefix) => file.startsWith(prefix));
  return index < 0 ? SLOW_FIRST.length : index;
};
const files = process.argv.length > 2 ? process.argv.slice(2) : find('test').sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
const result = spawnSync(
  process.execPath,
  [
    '--import',
    'tsx',
    '--import',
    './test/helpers/test-timeout.ts',
    '--test',
    `--test-concurrency=${CONCURRENCY}`,
    `--test-timeout=${FILE_TIMEOUT_MS}`,
    '--test-reporter=spec',
    ...files,
  ],
  { stdio: 'inherit' },
);
process.exit(result.status ?? 1);
