// One `targets:` entry of a gateway, by `type`: the union of every driver's own schema (each in a zod-only module).
import { z } from 'zod';
import { functionTargetSchema } from './function/schema.js';
import { openApiTargetSchema } from './openapi/schema.js';
import { mcpTargetSchema } from './schema.js';

/** One target of a gateway, by `type`. */
export const gatewayTargetSchema = z.discriminatedUnion('type', [mcpTargetSchema, openApiTargetSchema, functionTargetSchema]);

/** A target as stored (defaults applied). */
export type TargetSpec = z.output<typeof gatewayTargetSchema>;
