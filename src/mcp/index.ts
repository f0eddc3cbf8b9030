/** The MCP edge kit the runtime and the gateway share: JSON-RPC error answers and the resumable-stream event store. */
/** The one way runtime and gateway edges answer with a JSON-RPC error and an HTTP status. */
export { sendErrorAnswer, sendJsonRpcError } from './replies.js';
export type { WireError } from './replies.js';
/** Bounded in-memory SSE event store, so a 2025-11-25 client can resume a dropped stream (runtime and gateway sessions). */
export { SessionEventStore } from './event-store.js';
