// `npm run lint`'s import check: dependency-cruiser with .dependency-cruiser.cjs over src/ (no file cycles, other
// parts only through their index.ts), then the part graph (folders of src/) must have no cycle either.
// `node scripts/check-arrows.mjs --graph` also prints that graph, part → the parts it imports.
import { cruise } from 'dependency-cruiser';
import extractDepcruiseOptions from 'dependency-cruiser/config-utl/extract-depcruise-options';
import extractTSConfig from 'dependency-cruiser/config-utl/extract-ts-config';

const options = await extractDepcruiseOptions('./.dependency-cruiser.cjs');
const tsConfig = extractTSConfig('tsconfig.json');
const { output } = await cruise(['src'], { ...options, validate: true }, {}, { tsConfig });
const result = typeof output === 'string' ? JSON.parse(output) : output;

const problems = [];
for (const violation of result.summary.violations) {
  const cycle = violation.cycle?.length ? `: ${[violation.from, ...violation.cycle.map((step) => step.name ?? step)].join(' → ')}` : '';
  problems.push(`${violation.rule.name}: ${violation.from} → ${violation.to}${cycle}`);
}

/** The part a file of src/ belongs to: its first folder. */
const partOf = (file) => /^src\/([^/]+)\//.exec(file)?.[1];
const graph = new Map();
for (const module of result.modules) {
  const from = partOf(module.source);
  if (!from) continue;
  if (!graph.has(from)) graph.set(from, new Set());
  for (const dependency of module.dependencies) {
    const to = partOf(dependency.resolved);
    if (to && to !== from) graph.get(from).add(to);
  }
}

// Tarjan's strongly connected components: every component of more than one part is a cycle between parts.
let next = 0;
const index = new Map();
const low = new Map();
const stack = [];
const onStack = new Set();
function visit(part) {
  index.set(part, next);
  low.set(part, next++);
  stack.push(part);
  onStack.add(part);
  for (const to of graph.get(part) ?? []) {
    if (!index.has(to)) {
      visit(to);
      low.set(part, Math.min(low.get(part), low.get(to)));
    } else if (onStack.has(to)) low.set(part, Math.min(low.get(part), index.get(to)));
  }
  if (low.get(part) !== index.get(part)) return;
  const component = [];
  let member;
  do {
    member = stack.pop();
    onStack.delete(member);
    component.push(member);
  } while (member !== part);
  if (component.length > 1) {
    const edges = component.flatMap((a) => [...(graph.get(a) ?? [])].filter((b) => component.includes(b)).map((b) => `${a} → ${b}`));
    problems.push(`part-cycle: ${component.sort().join(', ')} import each other (${edges.sort().join('; ')})`);
  }
}
for (const part of [...graph.keys()].sort()) if (!index.has(part)) visit(part);

if (process.argv.includes('--graph')) {
  for (const part of [...graph.keys()].sort()) console.log(`${part} → ${[...graph.get(part)].sort().join(', ') || '(none)'}`);
}
if (problems.length) {
  console.error(`import rules (.dependency-cruiser.cjs, scripts/check-arrows.mjs): ${problems.length} problem(s)`);
  for (const problem of problems) console.error(`  ${problem}`);
  process.exit(1);
}
console.error(`import rules: ${result.summary.totalCruised} modules, no cycles, parts reached only through their index.ts`);
