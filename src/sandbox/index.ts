/** Sandbox: runs a hosted server's process in its own Linux namespaces under bubblewrap (files, processes, network, limits). */
export { sandboxLaunch, protectFromSandboxes, bridgeIntoSandboxes, unreachableToSandboxes } from './launch.js';
export type { SandboxLaunch, SandboxRequest } from './launch.js';
export { ensureSandboxSupport, SandboxUnavailableError } from './support.js';
export { parseEgressRule } from './egress.js';
