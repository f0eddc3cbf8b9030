import type { IsolationSettings, RuntimeSpec } from '../config/index.js';
import { limitEnforcement, type LimitEnforcement } from '../sandbox/index.js';

/** How a runtime's workers are held: what enforces its `limits`, and the warning an opt-out of the sandbox earns. */
export interface IsolationReport {
  /** `none`: `isolation: process` has only the RSS watchdog of `limits.memoryMb`, where set. */
  limits: LimitEnforcement | 'none';
  warning?: string;
}

/**
 * The warning `toolport up` (and `toolport runtime get`) prints for code that opts out of the sandbox, or undefined;
 * `subject` names it: `runtime NAME`, `gateway NAME target NAME`.
 */
export function isolationWarning(subject: string, spec: IsolationSettings): string | undefined {
  if (spec.isolation === 'process')
    return `${subject} has isolation: process: its code runs as Toolport's user and can read whatever the platform can (master key, store, other sessions)`;
  if (spec.sandbox.network === 'host') return `${subject} has sandbox.network: host: its code shares the host's network, the platform's own ports included`;
  return undefined;
}

/** What holds this runtime's workers on this host. */
export async function isolationReport(name: string, spec: RuntimeSpec): Promise<IsolationReport> {
  const warning = isolationWarning(`runtime ${name}`, spec);
  return { limits: spec.isolation === 'process' ? 'none' : await limitEnforcement(), ...(warning ? { warning } : {}) };
}
