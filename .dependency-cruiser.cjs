// Arrows run one way (STYLE habit 11: a lower part never imports a higher one, not even for a type): rules over src/
// that `npm run lint` checks through scripts/check-arrows.mjs, which also refuses cycles between parts. Tests may import internals.
/* global module */
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'Files of src/ must not import each other in a circle, not even for a type: move what both need down.',
      from: { path: '^src/' },
      to: { path: '^src/', circular: true },
    },
    {
      name: 'through-index',
      severity: 'error',
      comment: "A part imports another part only through that part's index.ts, its one public surface.",
      from: { path: '^src/([^/]+)/', pathNot: '^src/cli/exit-codes\\.ts$' },
      to: { path: '^src/', pathNot: ['^src/$1/', '^src/[^/]+/index\\.ts$'] },
    },
    {
      name: 'through-index-cli-exit-codes',
      severity: 'error',
      comment:
        "The CLI's exit codes take ModelError from agent/model.ts, not agent/index.ts, so that a failing `toolport` does " +
        'not load Strands Agents; every other import past an index is refused.',
      from: { path: '^src/cli/exit-codes\\.ts$' },
      to: { path: '^src/', pathNot: ['^src/cli/', '^src/[^/]+/index\\.ts$', '^src/agent/model\\.ts$'] },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)node_modules/' },
    // Type-only imports count: a lower part never imports a higher one, not even for a type.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js', '.mjs', '.cjs', '.json'] },
  },
};
