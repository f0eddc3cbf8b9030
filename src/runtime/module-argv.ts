import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const HOST_ENTRY = fileURLToPath(new URL('../tools/host.js', import.meta.url));
const TSX_LOADER = createRequire(import.meta.url).resolve('tsx');
/** Run from its sources (tests, `tsx`), the host itself is TypeScript and needs the loader too. */
const HOST_IS_COMPILED = existsSync(HOST_ENTRY);

/** Modules Node loads as they are; anything else (TypeScript) goes through the tsx loader. */
const PLAIN_JAVASCRIPT = /\.(?:m|c)?js$/;

/**
 * The command that starts a module runtime's worker: the tools host, loading `modulePath`. A plain JavaScript module
 * skips the tsx loader, whose hooks cost about a CPU-second per start here (see docs/benchmarks.md, worker start cost).
 */
export function moduleWorkerArgv(modulePath: string): string[] {
  const loader = HOST_IS_COMPILED && PLAIN_JAVASCRIPT.test(modulePath) ? [] : ['--import', TSX_LOADER];
  return [process.execPath, ...loader, HOST_ENTRY, modulePath];
}
