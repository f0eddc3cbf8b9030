/** Runtime: hosts MCP servers, one isolated worker process per session. */
export { RuntimeHost, runtimeNameOf, AGENTCORE_SESSION_HEADER } from './host.js';
export type { SessionInfo } from './host.js';
export { RuntimeError } from './errors.js';
export type { RuntimeErrorCode } from './errors.js';
