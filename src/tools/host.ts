/**
 * Entry point of a module runtime's worker: loads a module of defineTool tools and serves them over stdio.
 * Usage: node --import tsx dist/tools/host.js /abs/path/to/tools.ts
 */
import { pathToFileURL } from 'node:url';
import { resolve } from 'node:path';
import { fetchThroughEnvProxy } from './proxy-fetch.js';
import { serveToolsStdio, toolsOfModule } from './server.js';

await fetchThroughEnvProxy();

const modulePath = process.argv[2];
if (!modulePath) {
  process.stderr.write('usage: host.js MODULE\n');
  process.exit(2);
}
const loaded = (await import(pathToFileURL(resolve(modulePath)).href)) as Record<string, unknown>;
const tools = toolsOfModule(loaded);
if (tools.length === 0) {
  process.stderr.write(`${modulePath} exports no tools made with defineTool\n`);
  process.exit(2);
}
await serveToolsStdio(tools, { name: process.env.TOOLPORT_SERVER_NAME ?? 'toolport-module' });
