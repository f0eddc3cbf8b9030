/** Runtime: hosts MCP servers, one isolated worker process per session. */
export { RuntimeHost } from './host.js';
export type { RuntimeIdentity } from './host.js';
export type { InProcessRequest } from './in-process.js';
export { runtimeNameOf } from './records.js';
export { AGENTCORE_SESSION_HEADER } from './headers.js';
export type { SessionInfo } from './session-table.js';
export { RuntimeError } from './errors.js';
/** One isolated worker process (stdio or HTTP MCP server); the gateway's function and command mcp targets run on it too. */
export { Worker } from './worker.js';
export type { WorkerExit } from './worker.js';
/** What a worker's stderr tail says went wrong, as one line. */
export { summarizeStderr } from './stderr.js';
export type { RuntimeErrorCode } from './errors.js';
/** Runtime CRUD, versions and endpoints, over REST (`/api/runtimes`) and from the config file. */
export { ControlPlane } from './control-plane.js';
export type { RuntimeListener, RuntimeProblem } from './control-plane.js';
export { runtimeRoutes } from './routes.js';
/** The warning for code (a runtime, a gateway target) that opts out of the sandbox, and what enforces a runtime's limits. */
export { isolationWarning } from './isolation.js';
export type { IsolationReport } from './isolation.js';
export type { SessionControl } from './routes.js';
export type { StoredSessionInfo } from './session-storage.js';
