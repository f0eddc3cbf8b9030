// Serves the OpenAI web search tool: over stdio by default (for runtimes that spawn it), or over Streamable HTTP
// with --http (the seed's deployment: `--http --host 0.0.0.0` answers on :8000/mcp, stateless).
// Usage: OPENAI_API_KEY=... node examples/web-search/server.js [--http] [--port N] [--path /mcp] [--host 127.0.0.1]
import { parseArgs } from 'node:util';
import { serveToolsHttp, serveToolsStdio, toolsOfModule } from 'toolport/tools';
import * as webSearchTools from './tools.js';

const info = { name: 'openai-web-search-mcp-server' };
const tools = toolsOfModule(webSearchTools);

const { values } = parseArgs({
  options: {
    http: { type: 'boolean', default: false },
    port: { type: 'string', default: process.env.PORT ?? '8000' },
    path: { type: 'string', default: '/mcp' },
    host: { type: 'string', default: '127.0.0.1' },
  },
});

if (values.http) {
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    process.stderr.write(`--port must be an integer from 0 to 65535, got "${values.port}"\n`);
    process.exit(2);
  }
  const server = await serveToolsHttp(tools, info, { host: values.host, port, path: values.path });
  // Print the bound port, not the requested one, so `--port 0` works for callers that need a free port.
  const address = server.address();
  const bound = typeof address === 'object' && address ? address.port : port;
  process.stderr.write(`${info.name} listening on http://${values.host}:${bound}${values.path}\n`);
} else {
  serveToolsStdio(tools, info);
}
