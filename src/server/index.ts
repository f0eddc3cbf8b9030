/** The HTTP edge: one process serving /ping, /api and /runtimes. */
export { startPlatform, runtimeEndpoints, openEndpoints } from './platform.js';
export type { Platform, PlatformOptions } from './platform.js';
