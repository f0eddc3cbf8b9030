/** Sandbox: runs a hosted server's process in its own Linux namespaces under bubblewrap (files, processes, network, limits). */
export { sandboxLaunch, protectFromSandboxes, bridgeIntoSandboxes, DEFAULT_SANDBOX_MEMORY_MB } from './launch.js';
export type { SandboxLaunch, SandboxRequest } from './launch.js';
export { limitEnforcement } from './cgroup.js';
export type { LimitEnforcement, LimitBreach } from './cgroup.js';
export { ensureSandboxSupport, SandboxUnavailableError } from './support.js';
export { parseEgressRule } from './egress.js';
/** Whether a pid names a live process (stale cgroups, the data-directory lock). */
export { processExists } from './process-exists.js';
