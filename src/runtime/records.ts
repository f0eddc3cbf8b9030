import { decodePathPart, runtimeNameOfRef } from '../http/index.js';
import type { RuntimeSpec } from '../config/index.js';
import type { RuntimeRecord, Store } from '../store/index.js';
import { RuntimeError } from './errors.js';

/** A runtime record is re-read from the store at most this often, so control-plane changes show within it. */
const RECORD_TTL_MS = 2_000;

/** One version of a runtime, as a qualifier resolved it. */
export interface RuntimeTarget {
  version: number;
  spec: RuntimeSpec;
}

/** Parses `{name}` or an ARN whose resource is `runtime/{name}`. */
export function runtimeNameOf(ref: string): string {
  const decoded = decodePathPart(ref);
  const name = runtimeNameOfRef(decoded);
  if (name === undefined) throw new RuntimeError('runtime_not_found', `"${decoded}" is not a runtime ARN (expected ...:runtime/NAME)`);
  return name;
}

/** Runtime records by name, cached briefly, and qualifiers (`DEFAULT` or a named endpoint) resolved to a version. */
export class RuntimeRecords {
  private readonly cached = new Map<string, { record: RuntimeRecord; at: number }>();

  constructor(private readonly store: Store) {}

  /** The runtime's current record; `runtime_not_found` when there is none. */
  async get(name: string): Promise<RuntimeRecord> {
    const cached = this.cached.get(name);
    if (cached && Date.now() - cached.at < RECORD_TTL_MS) return cached.record;
    const record = await this.store.getRuntime(name);
    if (!record) throw new RuntimeError('runtime_not_found', `no runtime named "${name}"; list them with: toolport runtime list`);
    this.cached.set(name, { record, at: Date.now() });
    return record;
  }

  /** Forgets the cached record of a runtime the control plane changed. */
  forget(name: string): void {
    this.cached.delete(name);
  }

  /** The version and spec a qualifier names: `DEFAULT` is the latest version, an endpoint the version it pins. */
  async resolve(name: string, qualifier: string): Promise<RuntimeTarget> {
    const record = await this.get(name);
    const version = record.endpoints[qualifier];
    if (version === undefined) {
      throw new RuntimeError('endpoint_not_found', `runtime "${name}" has no endpoint "${qualifier}"; it has: ${Object.keys(record.endpoints).join(', ')}`);
    }
    if (version === record.latestVersion) return { version, spec: record.spec };
    const pinned = await this.store.getRuntimeVersion(name, version);
    if (!pinned) throw new RuntimeError('endpoint_not_found', `endpoint "${qualifier}" of "${name}" points at missing version ${version}`);
    return { version, spec: pinned.spec };
  }
}
