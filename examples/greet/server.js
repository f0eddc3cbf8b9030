// Serves the greet tools: over stdio by default (for runtimes that spawn it), or over Streamable HTTP with --http.
// Usage: node examples/greet/server.js [--http] [--port N] [--path /mcp] [--host 127.0.0.1]
import { serveTools, toolsOfModule } from 'toolport/tools';
import * as greetTools from './tools.js';

await serveTools(toolsOfModule(greetTools), { name: 'greet' });
