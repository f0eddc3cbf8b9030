// One `targets:` entry of a gateway, by `type`: the union of every driver's own schema (each in a zod-only module).
import { z } from 'zod';
import { functionTargetSchema } from './function.js';
import { openApiTargetSchema } from './openapi.js';
import { mcpTargetSchema } from './mcp.js';

/** One target of a gateway, by `type`. */
export const gatewayTargetSchema = z.discriminatedUnion('type', [mcpTargetSchema, openApiTargetSchema, functionTargetSchema]);

/** A target as stored (defaults applied). */
export type TargetSpec = z.output<typeof gatewayTargetSchema>;
