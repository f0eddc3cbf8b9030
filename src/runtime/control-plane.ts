import { z } from 'zod';
import { resolveRuntimePaths, resourceName, runtimeSpecSchema, validate, type Config, type RuntimeSpec } from '../config/index.js';
import { assertLaunchable, probeRuntime } from './launch.js';
import { isolationReport, type IsolationReport } from './isolation.js';
import type { Logger } from '../log/index.js';
import { StoreError, type RuntimeRecord, type RuntimeVersion, type Store } from '../store/index.js';

/** Whatever must hear about a runtime change (the runtime host retires pools and sessions). */
export interface RuntimeListener {
  refresh(name: string): Promise<void>;
}

/**
 * Validates a spec and makes its paths absolute. A relative path sent to the API resolves against the server's
 * working directory once, here; the CLI and the config file send absolute ones.
 */
async function checkSpec(value: unknown, what: string): Promise<RuntimeSpec> {
  const spec = resolveRuntimePaths(validate(runtimeSpecSchema, value, what), process.cwd());
  await assertLaunchable(spec, what);
  return spec;
}

/** A runtime whose worker could not answer `initialize` when probed. */
export interface RuntimeProblem {
  runtime: string;
  problem: string;
  /** Declared in the applied config file (not only made through the API). */
  configured: boolean;
}

/** JSON with object keys sorted, so specs compare equal whatever order a backend returns keys in. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => a.localeCompare(b))) : v,
  );
}

/** The body of `PUT /api/runtimes/{name}/endpoints/{endpoint}`. */
const endpointBody = z.object({ version: z.number().int().min(1).describe('The version the endpoint serves') }).strict();

function checkName(name: unknown): string {
  return validate(resourceName, name, 'runtime name');
}

/** The control plane's operations on runtimes; the REST API and the config file both go through here. */
export class ControlPlane {
  private readonly configured = new Set<string>();

  constructor(
    private readonly store: Store,
    private readonly listener: RuntimeListener,
    private readonly log: Logger,
  ) {}

  async createRuntime(name: string, specInput: unknown): Promise<RuntimeRecord> {
    const record = await this.store.createRuntime(checkName(name), await checkSpec(specInput, `runtime "${name}"`));
    await this.listener.refresh(name);
    return record;
  }

  /** Makes a new immutable version; `DEFAULT` follows it, named endpoints stay where they are. */
  async updateRuntime(name: string, specInput: unknown): Promise<RuntimeRecord> {
    const record = await this.store.updateRuntime(name, await checkSpec(specInput, `runtime "${name}"`));
    await this.listener.refresh(name);
    return record;
  }

  async getRuntime(name: string): Promise<RuntimeRecord> {
    const record = await this.store.getRuntime(name);
    if (!record) throw new StoreError('not_found', `no runtime named "${name}"`);
    return record;
  }

  /** A runtime with how its workers are held on this host (`GET /api/runtimes/{name}`). */
  async describeRuntime(name: string): Promise<RuntimeRecord & { isolation: IsolationReport }> {
    const record = await this.getRuntime(name);
    return { ...record, isolation: await isolationReport(name, record.spec) };
  }

  listRuntimes(): Promise<RuntimeRecord[]> {
    return this.store.listRuntimes();
  }

  async listVersions(name: string): Promise<RuntimeVersion[]> {
    await this.getRuntime(name);
    return this.store.listRuntimeVersions(name);
  }

  async deleteRuntime(name: string): Promise<void> {
    if (!(await this.store.deleteRuntime(name))) throw new StoreError('not_found', `no runtime named "${name}"`);
    await this.listener.refresh(name);
  }

  /** Points a named endpoint (e.g. `prod`) at a version; moving it is always explicit. */
  async setEndpoint(name: string, endpoint: string, body: unknown): Promise<RuntimeRecord> {
    const pinned = validate(resourceName, endpoint, 'endpoint name');
    const { version } = validate(endpointBody, body, 'the endpoint body');
    const record = await this.store.setEndpoint(name, pinned, version);
    await this.listener.refresh(name);
    return record;
  }

  async deleteEndpoint(name: string, endpoint: string): Promise<void> {
    if (!(await this.store.deleteEndpoint(name, endpoint))) throw new StoreError('not_found', `runtime "${name}" has no endpoint "${endpoint}"`);
    await this.listener.refresh(name);
  }

  /**
   * Applies `toolport.yaml`: creates missing runtimes, adds a version where the spec changed, pins declared
   * endpoints. Runtimes made through the API and absent from the file are left alone.
   */
  async applyConfig(config: Config): Promise<void> {
    for (const { name, endpoints, ...input } of config.runtimes) {
      const spec = await checkSpec(input, `runtime "${name}"`);
      this.configured.add(name);
      const existing = await this.store.getRuntime(name);
      if (!existing) await this.store.createRuntime(name, spec);
      else if (canonical(existing.spec) !== canonical(spec)) await this.store.updateRuntime(name, spec);
      for (const [endpoint, version] of Object.entries(endpoints ?? {})) await this.store.setEndpoint(name, endpoint, version);
      await this.listener.refresh(name);
      this.log.debug('runtime applied from config', { runtime: name });
    }
  }

  /** Starts one worker of each runtime's latest version (what DEFAULT serves) and asks it to `initialize`, so `up` can report what cannot start. */
  async probeRuntimes(): Promise<RuntimeProblem[]> {
    const results = await Promise.all(
      (await this.store.listRuntimes()).map(async (record) => {
        const problem = await probeRuntime(record.spec, this.log.child({ runtime: record.name, probe: true }));
        return problem === undefined ? undefined : { runtime: record.name, problem, configured: this.configured.has(record.name) };
      }),
    );
    return results.filter((result) => result !== undefined);
  }
}
