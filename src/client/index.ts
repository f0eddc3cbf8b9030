/** Client: reach any remote MCP server (Toolport runtime, AgentCore runtime, any URL) with the MCP SDK. */
export { connect, ConnectionError } from './connect.js';
export type { Connection, ConnectOptions } from './connect.js';
export { AUTH_MODES, AuthError } from './auth/types.js';
export type { AuthMode, AuthOptions } from './auth/types.js';
export { TokenCache, toolportHome } from './auth/token-cache.js';
export type { TokenSet } from './auth/token-cache.js';
export { createCredentials } from './auth/credentials.js';
export type { Credentials } from './auth/credentials.js';
export type { RetryPolicy } from './resilience.js';
export type { SessionReplaced } from './session-recovery.js';
export { agentCoreRegion, resolveTarget } from './target.js';
export type { TargetOptions } from './target.js';
export { runBench, PHASES } from './bench.js';
export type { BenchOptions, BenchResult, Phase } from './bench.js';
export { summarize } from './stats.js';
export type { Stats } from './stats.js';
