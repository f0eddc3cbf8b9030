/**
 * Gives every `it`/`test` without its own `timeout` option a 60 s limit (Node 20's `--test-timeout` only limits each
 * test file as a whole). Preloaded by scripts/run-tests.mjs with `--import`; the few tests that need longer say so
 * in their options (`{ timeout }`), and a `describe` keeps no limit of its own unless it sets one, so a suite of
 * many short tests is not cut off as a whole.
 */
import { createRequire, syncBuiltinESMExports } from 'node:module';

/** What a test may take unless its options say otherwise; TOOLPORT_TEST_TIMEOUT_MS raises it on a crowded machine. */
export const DEFAULT_TEST_TIMEOUT_MS = Number(process.env.TOOLPORT_TEST_TIMEOUT_MS ?? 60_000);

type TestFn = (...args: unknown[]) => unknown;
const nodeTest = createRequire(import.meta.url)('node:test') as Record<string, TestFn> & { it: TestFn; test: TestFn };

/** `fn(name?, options?, body?)` with `timeout` filled in when the options leave it out. */
function withDefaultTimeout(fn: TestFn): TestFn {
  const wrapped = function (this: unknown, ...args: unknown[]): unknown {
    const at = args.findIndex((arg) => typeof arg === 'object' && arg !== null);
    if (at === -1) {
      const body = args.findIndex((arg) => typeof arg === 'function');
      args.splice(body === -1 ? args.length : body, 0, { timeout: DEFAULT_TEST_TIMEOUT_MS });
    } else if ((args[at] as { timeout?: number }).timeout === undefined) {
      args[at] = { ...(args[at] as object), timeout: DEFAULT_TEST_TIMEOUT_MS };
    }
    return fn.apply(this, args);
  };
  // it.skip, it.todo, it.only keep working (and get the default too).
  for (const variant of ['skip', 'todo', 'only'] as const) {
    const original = (fn as unknown as Record<string, TestFn | undefined>)[variant];
    if (original) (wrapped as unknown as Record<string, TestFn>)[variant] = withDefaultTimeout(original.bind(fn));
  }
  return wrapped;
}

const it = withDefaultTimeout(nodeTest.it);
nodeTest.it = it;
nodeTest.test = nodeTest.test === nodeTest.it ? it : withDefaultTimeout(nodeTest.test);
syncBuiltinESMExports();
