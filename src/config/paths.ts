import { resolve } from 'node:path';

/** The path-bearing keys of a runtime spec. */
interface RuntimePaths {
  command?: string[] | undefined;
  module?: string | undefined;
  cwd?: string | undefined;
  sandbox?: { mounts?: { source: string }[] | undefined } | undefined;
}

/**
 * The one rule for a runtime's paths: relative ones resolve against `baseDir` (the config file's folder, or the
 * caller's working directory for CLI flags) and are stored absolute. The working directory defaults to `baseDir`,
 * so a command's relative arguments (`node greet/server.js`) mean the same file wherever Toolport runs.
 */
export function resolveRuntimePaths<Spec extends RuntimePaths>(spec: Spec, baseDir: string): Spec {
  const cwd = resolve(baseDir, spec.cwd ?? '.');
  const [program, ...args] = spec.command ?? [];
  return {
    ...spec,
    cwd,
    ...(spec.module === undefined ? {} : { module: resolve(baseDir, spec.module) }),
    // A program named with a slash is a path; a bare name (node, python3) is looked up on PATH.
    ...(program === undefined ? {} : { command: [program.includes('/') ? resolve(cwd, program) : program, ...args] }),
    ...(spec.sandbox?.mounts === undefined
      ? {}
      : { sandbox: { ...spec.sandbox, mounts: spec.sandbox.mounts.map((mount) => ({ ...mount, source: resolve(baseDir, mount.source) })) } }),
  };
}
