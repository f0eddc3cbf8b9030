// The `openapi` target's own keys. Imports only zod and the shared target fields, so the config schema can include it.
import { z } from 'zod';
import { targetCommonShape } from './mcp.js';

/** Header names as HTTP defines them (RFC 9110 §5.1 token). */
const headerName = z.string().regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, 'an HTTP header name');

/** An `openapi` target: every operation of an OpenAPI 3.0/3.1 document (file or URL) becomes a tool. */
export const openApiTargetSchema = z
  .object({
    ...targetCommonShape,
    type: z.literal('openapi'),
    source: z
      .string()
      .min(1)
      .describe(
        'The OpenAPI 3.0/3.1 document (JSON or YAML): a file path (relative to the config file) or an http(s) URL; Swagger 2.0 must be converted first',
      ),
    baseUrl: z
      .url({ protocol: /^https?$/ })
      .optional()
      .describe(
        'Where calls go, replacing every server URL of the document (include any base path: http://127.0.0.1:4010/api/v3); needed when a file document has only relative servers',
      ),
    include: z.array(z.string().min(1)).optional().describe('Only these operations become tools: operationIds or tool names, * as a wildcard'),
    exclude: z.array(z.string().min(1)).optional().describe('Operations left out (operationIds or tool names, * as a wildcard), applied after include'),
    headers: z
      .record(headerName, z.string())
      .optional()
      .describe('Static headers sent with every call; not for secrets: outbound credentials (which win over these) come from the vault'),
    maxResponseBytes: z
      .number()
      .int()
      .positive()
      .max(64 * 1024 * 1024)
      .optional()
      .describe('Largest response body passed to the caller (default 1 MiB); a larger one is an error result'),
  })
  .strict();

/** An openapi target as stored (defaults applied). */
export type OpenApiTargetSpec = z.output<typeof openApiTargetSchema>;
