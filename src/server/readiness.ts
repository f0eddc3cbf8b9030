import type { GatewayHost, GatewayService } from '../gateway/index.js';

/** What `GET /ready` reports. */
export interface ReadyState {
  ready: boolean;
  /** What is still loading (or `draining`), for an operator to read. */
  loading: string[];
}

/** The targets of gateway `name` that have no catalog yet (neither loaded nor marked stale). */
function uncatalogued(host: GatewayHost, name: string): string[] {
  const live = host.gateway(name);
  if (!live) return [`gateway ${name}`];
  return live.status().flatMap((target) => (target.syncedAt || target.stale ? [] : [`gateway ${name}: catalog of target ${target.name}`]));
}

/**
 * Readiness of the edge: config is applied before it listens; gateways then load their first catalogs. A request to a
 * gateway that has none yet waits for it (bounded) instead of being answered from an empty catalog.
 */
export class Readiness {
  private gatewaysStarted = false;
  private starting: Promise<void> = Promise.resolve();
  private draining = false;

  constructor(
    private readonly host: GatewayHost,
    private readonly service: GatewayService,
    private readonly catalogWaitMs: number,
  ) {}

  /** Starts the gateways (their first catalogs) and tracks it. */
  startGateways(): Promise<void> {
    this.starting = this.host.start().finally(() => {
      this.gatewaysStarted = true;
    });
    return this.starting;
  }

  /** From now on the platform reports not ready (it is shutting down). */
  drain(): void {
    this.draining = true;
  }

  async state(): Promise<ReadyState> {
    if (this.draining) return { ready: false, loading: ['draining'] };
    if (!this.gatewaysStarted) return { ready: false, loading: ['gateways: first catalogs'] };
    const gateways = await this.service.listGateways();
    const loading = gateways.flatMap((gateway) => uncatalogued(this.host, gateway.name));
    return { ready: loading.length === 0, loading };
  }

  /** Resolves true once gateway `name` has a catalog for every target, false if that takes longer than the bound. */
  async gatewayReady(name: string): Promise<boolean> {
    // Nearly every request: the gateway is loaded, so no timer or race is set up for it.
    if (this.gatewaysStarted && uncatalogued(this.host, name).length === 0) return true;
    const deadline = AbortSignal.timeout(this.catalogWaitMs);
    const aborted = new Promise<false>((resolve) => deadline.addEventListener('abort', () => resolve(false), { once: true }));
    if (
      !(await Promise.race([
        this.starting.then(
          () => true,
          () => true,
        ),
        aborted,
      ]))
    )
      return false;
    const live = this.host.gateway(name);
    if (!live || uncatalogued(this.host, name).length === 0) return true;
    // Every first catalog of a target changes the gateway's catalog, so its change listener sees each one arrive.
    let unsubscribe = (): void => undefined;
    const complete = new Promise<true>((resolve) => {
      unsubscribe = live.onChange(() => {
        if (uncatalogued(this.host, name).length === 0) resolve(true);
      });
    });
    try {
      return await Promise.race([complete, aborted]);
    } finally {
      unsubscribe();
    }
  }
}
