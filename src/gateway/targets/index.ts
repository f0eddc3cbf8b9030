// Builds a target's driver from its spec, by type.
import { createFunctionTarget } from './function.js';
import { createMcpTarget } from './mcp.js';
import { createOpenApiTarget } from './openapi.js';
import type { TargetSpec } from '../../config/index.js';
import type { DriverDeps, TargetDriver } from './types.js';

export { gatewayTargetSchema, type TargetSpec } from '../../config/index.js';
export { TargetError } from './types.js';
export { codeTarget } from './worker.js';
export type { CallContext, DriverDeps, OutboundCredentials, RuntimeTransportFactory, TargetCatalog, TargetDriver } from './types.js';

/** The driver of one target. */
export async function createDriver(spec: TargetSpec, deps: DriverDeps): Promise<TargetDriver> {
  switch (spec.type) {
    case 'mcp':
      return createMcpTarget(spec, deps);
    case 'function':
      return createFunctionTarget(spec, deps);
    case 'openapi':
      return createOpenApiTarget(spec, deps);
  }
}
