/** Client: reach any remote MCP server (Toolport runtime, AgentCore runtime, any URL) with the MCP SDK. */
export { connect, ConnectionError } from './connect.js';
export type { Connection, ConnectOptions } from './connect.js';
export { resolveTarget } from './target.js';
export type { TargetOptions } from './target.js';
export { runBench, PHASES } from './bench.js';
export type { BenchOptions, BenchResult, Phase } from './bench.js';
export { summarize } from './stats.js';
export type { Stats } from './stats.js';
