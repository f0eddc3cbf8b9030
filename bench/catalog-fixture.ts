// A live MCP server with the 2,480 real API tools of data/tool-retrieval/tools.jsonl, for the gateway
// bench's big tools/list (the gateway tests' fixture server, in its own process so it has its own event loop).
// Usage: node --import tsx bench/catalog-fixture.ts [pageSize]   Prints "listening on http://127.0.0.1:PORT/mcp".
import { realTools, startUpstream } from '../test/gateway/upstream.js';

const pageSize = Number(process.argv[2] ?? 1000);
const upstream = await startUpstream({ tools: realTools(), pageSize });
console.error(`catalog fixture: ${upstream.tools.length} tools, ${pageSize} per page, listening on ${upstream.url}`);
process.once('SIGTERM', () => void upstream.close().then(() => process.exit(0)));
