import type { RuntimeSpec } from '../config/index.js';
import { limitEnforcement, type LimitEnforcement } from '../sandbox/index.js';

/** How a runtime's workers are held: what enforces its `limits`, and the warning an opt-out of the sandbox earns. */
export interface IsolationReport {
  /** `none`: `isolation: process` has only the RSS watchdog of `limits.memoryMb`, where set. */
  limits: LimitEnforcement | 'none';
  warning?: string;
}

/** The warning `toolport up` and `toolport runtime get` print for a runtime that opts out of the sandbox, or undefined. */
export function isolationWarning(name: string, spec: RuntimeSpec): string | undefined {
  if (spec.isolation === 'process')
    return `runtime ${name} has isolation: process: its workers run as Toolport's user and can read whatever the platform can (master key, store, other sessions)`;
  if (spec.sandbox.network === 'host')
    return `runtime ${name} has sandbox.network: host: its workers share the host's network, the platform's own ports included`;
  return undefined;
}

/** What holds this runtime's workers on this host. */
export async function isolationReport(name: string, spec: RuntimeSpec): Promise<IsolationReport> {
  const warning = isolationWarning(name, spec);
  return { limits: spec.isolation === 'process' ? 'none' : await limitEnforcement(), ...(warning ? { warning } : {}) };
}
