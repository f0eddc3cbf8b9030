/** Sandbox: runs a hosted server's process in its own Linux namespaces under bubblewrap (files, processes, network, limits). */
export { bwrapCommand, codeRoot } from './bwrap.js';
export type { SandboxPlan } from './bwrap.js';
export { ensureSandboxSupport, SandboxUnavailableError } from './support.js';
