// Gateway and target CRUD for the control plane and the config file (one code path): validate, store, then tell the
// running host so catalogs sync at once.
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { ConfigError, gatewaySpecSchema, resourceName, validate, type GatewayEntry } from '../config/index.js';
import { isolationWarning } from '../runtime/index.js';
import { ensureSandboxSupport } from '../sandbox/index.js';
import { StoreError } from '../store/index.js';
import { gatewayPath } from '../http/index.js';
import type { Logger } from '../log/index.js';
import { LinkLocalRefused, refuseLinkLocalUrl, type AddressLookup } from './addresses.js';
import type { GatewayHost } from './host.js';
import type { TargetStatus } from './live.js';
import type { CallRecord, GatewayRow, GatewayStore } from './store.js';
import { codeTarget, gatewayTargetSchema, type TargetSpec } from './targets/index.js';

/** A gateway as the API shows it. */
export interface GatewayView {
  name: string;
  endpoint: string;
  spec: GatewayRow['spec'];
  targets: TargetStatus[];
  createdAt: string;
  updatedAt: string;
}

const canonical = (value: unknown): string => JSON.stringify(value);

/** The URLs a target's spec sends requests to (an OpenAPI document's own servers are checked once it is read). */
function specUrls(spec: TargetSpec): string[] {
  switch (spec.type) {
    case 'mcp':
      return spec.url ? [spec.url] : [];
    case 'openapi':
      // A file path is no URL with a host, and passes.
      return spec.baseUrl ? [spec.source, spec.baseUrl] : [spec.source];
    case 'function':
      return spec.http ? [spec.http.url] : [];
  }
}

/**
 * Why a target's URLs may not be used: they lead to a link-local or cloud metadata address and the target does not
 * set `allowLinkLocal`. Each request is checked again as it connects: DNS answers can change.
 */
async function linkLocalProblem(spec: TargetSpec, lookup: AddressLookup | undefined): Promise<string | undefined> {
  if (spec.allowLinkLocal) return undefined;
  try {
    for (const url of specUrls(spec)) await refuseLinkLocalUrl(url, lookup);
    return undefined;
  } catch (error) {
    if (error instanceof LinkLocalRefused) return error.message;
    throw error;
  }
}

/**
 * Why a target that runs code cannot start: a mount source that does not exist, or a sandbox this host cannot build
 * (the cause and the fix); never a silent fallback to `isolation: process`.
 */
async function sandboxProblem(spec: TargetSpec, baseDir: string): Promise<string | undefined> {
  const code = codeTarget(spec);
  if (code?.isolation !== 'sandbox') return undefined;
  for (const [index, mount] of code.sandbox.mounts.entries()) {
    const source = resolve(baseDir, mount.source);
    if (!(await stat(source).catch(() => undefined))) return `sandbox.mounts.${index}.source: the mount source ${source} does not exist`;
  }
  return ensureSandboxSupport().then(
    () => undefined,
    (error: Error) => `isolation: ${error.message}`,
  );
}

export class GatewayService {
  constructor(
    private readonly store: GatewayStore,
    private readonly host: GatewayHost,
    private readonly log: Logger,
    /** DNS for the link-local check of target URLs (default `dns.promises.lookup`). */
    private readonly lookup?: AddressLookup,
    /** Where API-made targets resolve relative paths (the server's working directory). */
    private readonly apiBaseDir: string = process.cwd(),
  ) {}

  private view(row: GatewayRow): GatewayView {
    return {
      name: row.name,
      endpoint: gatewayPath(row.name),
      spec: row.spec,
      targets: this.host.gateway(row.name)?.status() ?? [],
      createdAt: row.createdAt,
      updatedAt: row.updatedAt,
    };
  }

  private async row(name: string): Promise<GatewayRow> {
    const row = await this.store.getGateway(name);
    if (!row) throw new StoreError('not_found', `no gateway named "${name}"; list them with: toolport gateway list`);
    return row;
  }

  async listGateways(): Promise<GatewayView[]> {
    return (await this.store.listGateways()).map((row) => this.view(row));
  }

  async getGateway(name: string): Promise<GatewayView> {
    return this.view(await this.row(name));
  }

  /** Creates a gateway (with any targets in the body) and syncs its targets before answering. */
  async createGateway(name: string, body: Record<string, unknown>): Promise<GatewayView> {
    validate(resourceName, name, 'gateway name');
    const { targets, ...settings } = validate(gatewaySpecSchema, body, `gateway "${name}"`);
    await this.refuseUnsafe(name, targets, this.apiBaseDir);
    await this.store.createGateway(name, settings);
    for (const target of targets) await this.store.putTarget(name, target, this.apiBaseDir);
    // Starting a gateway syncs every target that has no catalog yet, which on create is all of them.
    await this.host.reload(name);
    this.log.info('gateway created', { gateway: name, targets: targets.length });
    return this.getGateway(name);
  }

  /** Replaces a gateway's settings (targets in the body are added or replaced; others stay). */
  async updateGateway(name: string, body: Record<string, unknown>): Promise<GatewayView> {
    await this.row(name);
    const { targets, ...settings } = validate(gatewaySpecSchema, body, `gateway "${name}"`);
    await this.refuseUnsafe(name, targets, this.apiBaseDir);
    await this.store.updateGateway(name, settings);
    for (const target of targets) await this.store.putTarget(name, target, this.apiBaseDir);
    await (await this.host.reload(name))?.syncAll();
    return this.getGateway(name);
  }

  async deleteGateway(name: string): Promise<void> {
    await this.store.deleteGateway(name);
    await this.host.reload(name);
    this.log.info('gateway deleted', { gateway: name });
  }

  /** Adds or replaces a target and syncs it; its status says how the sync went. */
  async putTarget(gateway: string, body: Record<string, unknown>): Promise<TargetStatus> {
    await this.row(gateway);
    const spec = validate(gatewayTargetSchema, body, `target of gateway "${gateway}"`);
    await this.refuseUnsafe(gateway, [spec], this.apiBaseDir);
    return this.applyTarget(gateway, spec, this.apiBaseDir);
  }

  /** Refuses, with a ConfigError (400 from /api) naming gateway and target, what the two checks below refuse. */
  private async refuseUnsafe(gateway: string, targets: readonly TargetSpec[], baseDir: string): Promise<void> {
    for (const spec of targets) {
      const problem = (await linkLocalProblem(spec, this.lookup)) ?? (await sandboxProblem(spec, baseDir));
      if (problem) throw new ConfigError(`gateway "${gateway}", target "${spec.name}": ${problem}`);
    }
  }

  /** A warning for each target that runs code outside the sandbox (`isolation: process`, `sandbox.network: host`), for `toolport up`. */
  async isolationWarnings(): Promise<string[]> {
    const warnings: string[] = [];
    for (const gateway of await this.store.listGateways()) {
      for (const { name, spec } of await this.store.listTargets(gateway.name)) {
        const code = codeTarget(spec);
        const warning = code && isolationWarning(`gateway ${gateway.name} target ${name}`, code);
        if (warning) warnings.push(warning);
      }
    }
    return warnings;
  }

  private async applyTarget(gateway: string, spec: TargetSpec, baseDir: string): Promise<TargetStatus> {
    await this.store.putTarget(gateway, spec, baseDir);
    const live = this.host.gateway(gateway);
    const [row] = await this.store.listTargets(gateway).then((rows) => rows.filter((r) => r.name === spec.name));
    if (live && row) await live.setTarget(row);
    return this.targetStatus(gateway, spec.name);
  }

  async listTargets(gateway: string): Promise<TargetStatus[]> {
    await this.row(gateway);
    return this.host.gateway(gateway)?.status() ?? [];
  }

  private targetStatus(gateway: string, target: string): TargetStatus {
    const status = this.host
      .gateway(gateway)
      ?.status()
      .find((s) => s.name === target);
    if (!status) throw new StoreError('not_found', `gateway "${gateway}" has no target "${target}"; list them with: toolport target list ${gateway}`);
    return status;
  }

  async removeTarget(gateway: string, target: string): Promise<void> {
    await this.store.deleteTarget(gateway, target);
    this.host.gateway(gateway)?.removeTarget(target);
  }

  /** Syncs one target, or all of a gateway's; resolves to their statuses after the sync. */
  async sync(gateway: string, target?: string): Promise<TargetStatus[]> {
    await this.row(gateway);
    const live = this.host.gateway(gateway);
    if (!live) return [];
    if (target) {
      if (!live.targets.has(target))
        throw new StoreError('not_found', `gateway "${gateway}" has no target "${target}"; list them with: toolport target list ${gateway}`);
      await live.sync(target);
      return [this.targetStatus(gateway, target)];
    }
    await live.syncAll();
    return live.status();
  }

  async listCalls(gateway: string, limit: number): Promise<CallRecord[]> {
    await this.row(gateway);
    if (!Number.isInteger(limit) || limit < 1 || limit > 10_000) throw new ConfigError('limit must be a whole number from 1 to 10000');
    await this.host.flushCalls();
    return this.store.listCalls(gateway, limit);
  }

  /**
   * Applies the config file's gateways at start-up: creates or updates each gateway and its declared targets (only
   * what changed, so unchanged catalogs are not re-synced). Targets added through the API stay. Runs before the edge
   * listens; the host syncs once started.
   */
  async applyConfig(gateways: GatewayEntry[], baseDir: string): Promise<void> {
    const names = gateways.map((gateway) => gateway.name);
    const twice = names.find((name, index) => names.indexOf(name) !== index);
    if (twice) throw new ConfigError(`gateways: "${twice}" is declared twice`);
    for (const { name, targets } of gateways) await this.refuseUnsafe(name, targets, baseDir);
    for (const { name, targets, ...settings } of gateways) {
      const existing = await this.store.getGateway(name);
      if (!existing) await this.store.createGateway(name, settings);
      else if (canonical(existing.spec) !== canonical(settings)) await this.store.updateGateway(name, settings);
      const stored = new Map((await this.store.listTargets(name)).map((row) => [row.name, row]));
      for (const target of targets) {
        const before = stored.get(target.name);
        if (!before || canonical(before.spec) !== canonical(target) || before.baseDir !== baseDir) await this.store.putTarget(name, target, baseDir);
      }
      this.log.debug('gateway applied from config', { gateway: name });
    }
  }
}
