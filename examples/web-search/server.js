// Serves the OpenAI web search tool: over stdio by default (for runtimes that spawn it), or over Streamable HTTP
// with --http (the seed's deployment: `--http --host 0.0.0.0` answers on :8000/mcp, stateless).
// Usage: OPENAI_API_KEY=... node examples/web-search/server.js [--http] [--port N] [--path /mcp] [--host 127.0.0.1]
import { serveTools, toolsOfModule } from 'toolport/tools';
import * as webSearchTools from './tools.js';

await serveTools(toolsOfModule(webSearchTools), { name: 'openai-web-search-mcp-server' });
