/** Gateway: one authenticated MCP endpoint (`/gateways/{name}/mcp`) in front of mcp, openapi and function targets. */
import { resolve } from 'node:path';
import type { InboundAuth } from '../identity/index.js';
import type { Logger } from '../log/index.js';
import type { Sql } from '../store/index.js';
import type { AddressLookup } from './addresses.js';
import { GatewayHost } from './host.js';
import { GatewayService } from './service.js';
import { GatewayStore } from './store.js';
import { createDriver, TargetError, type OutboundCredentials, type RuntimeTransportFactory } from './targets/index.js';

export { GatewayHost } from './host.js';
export { GatewayService, type GatewayView } from './service.js';
export { gatewayRoutes } from './routes.js';
export { GatewayError, type GatewayErrorCode } from './errors.js';
export type { TargetStatus } from './live.js';
export type { CallRecord } from './store.js';
export { DEFAULT_SEARCH_TOOL } from './search-tool.js';
export { SEPARATOR, MAX_NAME_LENGTH } from './catalog.js';
export type { AddressLookup } from './addresses.js';

/** Identity's vault as the gateway uses it: outbound credentials for a target's `credentials:` block. */
export interface CredentialSource {
  outboundCredentials(ref: { provider: string; in: 'header' | 'query'; name?: string; scopes?: string[] }): OutboundCredentials;
}

/** What the platform wires in. */
export interface GatewayPartOptions {
  sql: Sql;
  log: Logger;
  /** The runtime part's in-process entry, through which `runtime:` targets reach their runtime. */
  runtimeTransport?: RuntimeTransportFactory;
  vault?: CredentialSource;
  /** Inbound authorizers shared with runtimes (SigV4 needs Identity's access keys). */
  auth?: InboundAuth;
  /** DNS for targets' outbound connections and their link-local check (default `dns.promises.lookup`). */
  lookup?: AddressLookup;
}

/** The running gateway part: the MCP host and the control-plane service over the same store. */
export function createGateways(options: GatewayPartOptions): { host: GatewayHost; service: GatewayService } {
  const store = new GatewayStore(options.sql);
  const host = new GatewayHost(
    store,
    async (_gateway, target, onCatalogChange) => {
      const { spec } = target;
      if (spec.credentials && !options.vault) {
        throw new TargetError(
          'invalid',
          `target "${spec.name}" names credentials from provider "${spec.credentials.provider}", but no credential vault is configured`,
        );
      }
      return createDriver(spec, {
        baseDir: resolve(target.baseDir),
        timeoutMs: spec.timeout,
        onCatalogChange,
        ...(options.lookup ? { lookup: options.lookup } : {}),
        ...(options.runtimeTransport ? { runtimeTransport: options.runtimeTransport } : {}),
        ...(spec.credentials && options.vault ? { credentials: options.vault.outboundCredentials(spec.credentials) } : {}),
      });
    },
    options.log.child({ part: 'gateway' }),
    options.auth,
  );
  return { host, service: new GatewayService(store, host, options.log.child({ part: 'gateway' }), options.lookup) };
}
