// One `targets:` entry of a gateway, by `type`: the union of every driver's own schema.
import { z } from 'zod';
import { functionTargetSchema } from './function/schema.js';
import { mcpTargetSchema, targetCommonShape } from './schema.js';

// Placeholder until the openapi driver's own schema lands: common fields and any openapi keys; the driver factory
// refuses it with a clear error.
const openApiPlaceholder = z.object({ ...targetCommonShape, type: z.literal('openapi') }).passthrough();

/** One target of a gateway, by `type`. */
export const gatewayTargetSchema = z.discriminatedUnion('type', [mcpTargetSchema, openApiPlaceholder, functionTargetSchema]);

/** A target as stored (defaults applied). */
export type TargetSpec = z.output<typeof gatewayTargetSchema>;
