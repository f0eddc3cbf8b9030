/** The tool-definition API: write a tool once, serve it over stdio or HTTP, host it in a runtime or a gateway. */
export { defineTool, describeTool, isToolDefinition } from './define.js';
export type { ToolContext, ToolDefinition, ToolReturn } from './define.js';
export { createToolServer, serveToolsStdio, serveToolsHttp, toolsOfModule, WORKER_READY, announceReady } from './server.js';
/** CLI entry for an example/tool server: stdio by default, `--http [--port N] [--path /mcp] [--host H]` for HTTP. */
export { serveTools } from './server.js';
export type { ToolServerInfo } from './server.js';
/** Outbound credentials from Identity's vault for tool code (AgentCore's @requires_access_token / @requires_api_key). */
export {
  withAccessToken,
  withApiKey,
  CredentialError,
  VAULT_URL_ENV,
  WORKER_CREDENTIAL_FILE,
  WORKER_CREDENTIAL_HEADER,
  WORKLOAD_TOKEN_ENV,
} from './access-token.js';
export type { AccessTokenOptions } from './access-token.js';
/** Points global fetch at HTTP(S)_PROXY when set: a sandbox's egress proxy (the module and Lambda hosts call it). */
export { fetchThroughEnvProxy } from './proxy-fetch.js';
