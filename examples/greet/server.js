// Serves the greet tools: over stdio by default (for runtimes that spawn it), or over Streamable HTTP with --http.
// Usage: node examples/greet/server.js [--http] [--port N] [--path /mcp] [--host 127.0.0.1]
import { parseArgs } from 'node:util';
import { serveToolsHttp, serveToolsStdio, toolsOfModule } from 'toolport/tools';
import * as greetTools from './tools.js';

const info = { name: 'greet' };
const tools = toolsOfModule(greetTools);

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
  process.stderr.write(`greet listening on http://${values.host}:${bound}${values.path}\n`);
} else {
  serveToolsStdio(tools, info);
}
