/** The HTTP edge: one process serving /ping, /ready, /api, /identity, /runtimes and /gateways. */
export { startPlatform, runtimeEndpoints, openEndpoints, isolationWarnings } from './platform.js';
export type { Platform, PlatformOptions } from './platform.js';
