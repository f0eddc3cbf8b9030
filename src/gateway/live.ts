// One gateway as it runs: its settings, a driver and guard per target, and the merged catalog loaded from the
// store (cache-first). Sync fetches a target's live catalog, stores it, and tells connected clients when it changed; a
// target that is down keeps its last catalog, marked stale, without touching the others.
import type { Prompt, Resource, ResourceTemplateType as ResourceTemplate, Tool } from '@modelcontextprotocol/server';
import type { Principal } from '../identity/index.js';
import type { Logger } from '../log/index.js';
import { GatewayCatalog, prepareCatalog } from './catalog.js';
import { syncTimeoutMs } from './deadline.js';
import { TargetGuard, type CircuitState } from './guard.js';
import { Policy } from './policy.js';
import { SearchTool } from './search-tool.js';
import type { CatalogRow, GatewayRow, GatewayStore, TargetRow } from './store.js';
import type { TargetSpec } from '../config/index.js';
import { TargetError, type TargetDriver } from './targets/types.js';

/** Builds a target's driver (the host supplies vault credentials, base dir and runtime URLs). */
export type DriverFactory = (gateway: string, target: TargetRow, onCatalogChange: () => void) => Promise<TargetDriver>;

/** One target of a running gateway. */
export interface LiveTarget {
  spec: TargetSpec;
  updatedAt: string;
  driver: TargetDriver;
  guard: TargetGuard;
  timer?: NodeJS.Timeout;
  syncing?: Promise<CatalogRow>;
}

/** What `toolport target list` shows per target. */
export interface TargetStatus {
  name: string;
  type: TargetSpec['type'];
  tools: number;
  syncedAt?: string;
  stale: boolean;
  lastError?: string;
  problems: string[];
  circuit: CircuitState;
}

/** A running gateway. */
export class LiveGateway {
  readonly policy: Policy;
  readonly search: SearchTool | undefined;
  readonly targets = new Map<string, LiveTarget>();
  private rows = new Map<string, CatalogRow>();
  catalog = new GatewayCatalog([]);
  /** Called after the merged catalog changed (sessions send `notifications/tools/list_changed`). */
  private readonly listeners = new Set<() => void>();

  constructor(
    readonly row: GatewayRow,
    private readonly store: GatewayStore,
    private readonly makeDriver: DriverFactory,
    private readonly log: Logger,
  ) {
    this.policy = new Policy(row.spec.permissions);
    this.search = SearchTool.fromSpec(row.spec.search, log);
  }

  get name(): string {
    return this.row.name;
  }

  /** What `tools/list` shows a caller: the search tool first (when on), then every tool the caller may call. */
  toolsVisibleTo(caller: Principal | undefined): Tool[] {
    // Without permission rules the stored catalog is the list as it is (no copy of thousands of tools per request).
    const visible = this.policy.unrestricted ? this.catalog.tools : this.catalog.tools.filter((tool) => this.policy.allows(tool.name, caller));
    return this.search ? [this.search.definition, ...visible] : visible;
  }

  /** What `prompts/list` shows a caller: the prompts the caller may get. */
  promptsVisibleTo(caller: Principal | undefined): Prompt[] {
    return this.policy.unrestricted ? this.catalog.prompts : this.catalog.prompts.filter((prompt) => this.policy.allows(prompt.name, caller));
  }

  /** What `resources/list` shows a caller: the resources the caller may read. */
  resourcesVisibleTo(caller: Principal | undefined): Resource[] {
    if (this.policy.unrestricted) return this.catalog.resources;
    return this.catalog.resources.filter((resource) => this.policy.allowsResource(this.catalog.resourceTarget(resource.uri) ?? '', resource.uri, caller));
  }

  /** What `resources/templates/list` shows a caller: the templates the caller may read through. */
  resourceTemplatesVisibleTo(caller: Principal | undefined): ResourceTemplate[] {
    if (this.policy.unrestricted) return this.catalog.resourceTemplates;
    return this.catalog.resourceTemplates.filter((template) =>
      this.policy.allowsResource(this.catalog.templateTarget(template.uriTemplate) ?? '', template.uriTemplate, caller),
    );
  }

  /** Loads targets and their stored catalogs; serves at once from the store, syncing only what is due. */
  async load(targets: TargetRow[]): Promise<void> {
    for (const row of await this.store.listCatalogs(this.name)) this.rows.set(row.target, row);
    for (const target of targets) this.targets.set(target.name, await this.liveTarget(target));
    this.rebuild();
  }

  private async liveTarget(row: TargetRow): Promise<LiveTarget> {
    let driver: TargetDriver;
    try {
      driver = await this.makeDriver(this.name, row, () => {
        // Only while this driver is the target's current one.
        if (this.targets.get(row.name)?.driver === driver) void this.sync(row.name).catch(() => undefined);
      });
    } catch (error) {
      // One bad target must not keep the gateway down: it reports why at every sync and call.
      driver = brokenDriver(error);
    }
    return { spec: row.spec, updatedAt: row.updatedAt, driver, guard: new TargetGuard(row.spec) };
  }

  /** Adds or replaces a target (its old driver is closed) and syncs it at once. */
  async setTarget(row: TargetRow): Promise<CatalogRow> {
    const old = this.targets.get(row.name);
    const target = await this.liveTarget(row);
    this.targets.set(row.name, target);
    if (old) this.retire(old);
    if (target.spec.syncInterval > 0) this.schedule(row.name, target);
    return this.sync(row.name);
  }

  /** Removes a target: its tools leave the catalog and connected clients are told. */
  removeTarget(name: string): void {
    const target = this.targets.get(name);
    if (!target) return;
    this.targets.delete(name);
    this.retire(target);
    this.rows.delete(name);
    this.changed();
  }

  private retire(target: LiveTarget): void {
    clearInterval(target.timer);
    void target.driver.close().catch(() => undefined);
  }

  private schedule(name: string, target: LiveTarget): void {
    target.timer = setInterval(() => void this.sync(name).catch(() => undefined), target.spec.syncInterval);
    target.timer.unref();
  }

  private changed(): void {
    this.rebuild();
    for (const listener of this.listeners) listener();
  }

  /**
   * Starts the per-target TTL timers and syncs every target whose catalog is missing, outdated or past its TTL.
   * Resolves once targets that never had a catalog are synced (there is nothing stored to serve for them); the others
   * are served from the store while they sync in the background.
   */
  async start(): Promise<void> {
    const first: Promise<unknown>[] = [];
    for (const [name, target] of this.targets) {
      const stored = this.rows.get(name);
      const interval = target.spec.syncInterval;
      const due = !stored?.syncedAt || stored.syncedAt < target.updatedAt || (interval > 0 && Date.parse(stored.syncedAt) + interval < Date.now());
      if (due || stored?.stale) {
        const sync = this.sync(name).catch(() => undefined);
        if (!stored) first.push(sync);
      }
      if (interval > 0) this.schedule(name, target);
    }
    await Promise.all(first);
  }

  /** Registers a listener for catalog changes; returns its unsubscribe function. */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Re-reads one target's catalog now (one sync per target at a time); resolves to its stored state. */
  sync(name: string): Promise<CatalogRow> {
    const target = this.targets.get(name);
    if (!target) return Promise.reject(new Error(`gateway "${this.name}" has no target "${name}"`));
    target.syncing ??= this.fetchCatalog(name, target).finally(() => {
      target.syncing = undefined;
    });
    return target.syncing;
  }

  private async fetchCatalog(name: string, target: LiveTarget): Promise<CatalogRow> {
    const previous = this.rows.get(name);
    let row: CatalogRow;
    try {
      const live = await target.driver.catalog(AbortSignal.timeout(syncTimeoutMs(target.spec.timeout)));
      const { catalog, problems } = prepareCatalog(name, live, target.spec.prefix);
      row = { target: name, catalog, syncedAt: new Date().toISOString(), stale: false, problems };
      for (const problem of problems) this.log.warn('catalog problem', { gateway: this.name, target: name, problem });
    } catch (error) {
      const detail = (error as { detail?: string }).detail;
      const lastError = `${(error as Error).message}${detail ? `: ${detail}` : ''}`;
      this.log.warn('target sync failed; keeping its last catalog', { gateway: this.name, target: name, error: lastError });
      row = { ...(previous ?? { target: name, catalog: { tools: [] }, problems: [] }), stale: true, lastError };
    }
    // A target removed while its sync ran must not reappear.
    if (this.targets.get(name) !== target) return row;
    await this.store.putCatalog(this.name, row);
    this.rows.set(name, row);
    if (JSON.stringify(previous?.catalog) !== JSON.stringify(row.catalog)) this.changed();
    return row;
  }

  /** Syncs every target; failures are recorded per target. */
  async syncAll(): Promise<CatalogRow[]> {
    return Promise.all([...this.targets.keys()].map((name) => this.sync(name)));
  }

  private rebuild(): void {
    const rows = [...this.targets.keys()].sort().flatMap((name) => this.rows.get(name) ?? []);
    this.catalog = new GatewayCatalog(rows, (target) => this.targets.get(target)?.spec.prefix ?? true);
    this.search?.index(this.catalog.tools);
  }

  /** Every target's sync state and circuit. */
  status(): TargetStatus[] {
    return [...this.targets.entries()].map(([name, target]) => {
      const row = this.rows.get(name);
      return {
        name,
        type: target.spec.type,
        tools: row?.catalog.tools.length ?? 0,
        ...(row?.syncedAt ? { syncedAt: row.syncedAt } : {}),
        stale: row?.stale ?? false,
        ...(row?.lastError ? { lastError: row.lastError } : {}),
        problems: [...(row?.problems ?? []), ...(this.catalog.conflicts.get(name) ?? [])],
        circuit: target.guard.state,
      };
    });
  }

  /** Stops timers and closes every target's driver. */
  async close(): Promise<void> {
    this.listeners.clear();
    await Promise.all(
      [...this.targets.values()].map(async (target) => {
        clearInterval(target.timer);
        await target.driver.close().catch(() => undefined);
      }),
    );
    this.targets.clear();
  }
}

/** Stands in for a target whose driver could not be built: every use fails with the reason. */
function brokenDriver(error: unknown): TargetDriver {
  const failure = error instanceof TargetError ? error : new TargetError('invalid', `the target cannot be set up: ${(error as Error).message}`);
  return {
    catalog: () => Promise.reject(failure),
    callTool: () => Promise.reject(failure),
    close: () => Promise.resolve(),
  };
}
