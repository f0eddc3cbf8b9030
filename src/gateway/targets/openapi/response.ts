import type { CallToolResult } from '@modelcontextprotocol/server';
import { readBounded } from './body.js';
import { isRecord } from './json-schema.js';
import { isJsonMediaType } from './operations.js';

/** How much of an error body reaches the caller: enough to read the API's own message. */
export const ERROR_EXCERPT_BYTES = 2048;

/**
 * An upstream answer as a tool result. 2xx: the body as text (plus `structuredContent` when it is a JSON object),
 * images as image content, other binary bodies as an embedded blob. Anything else (3xx included: redirects are not
 * followed, so credentials never travel to another host): `isError` with the status and a bounded excerpt.
 */
export async function toToolResult(response: Response, url: string, maxResponseBytes: number): Promise<CallToolResult> {
  const type = response.headers.get('content-type') ?? '';
  const statusLine = `HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ''}`;
  if (response.status < 200 || response.status > 299) {
    const { bytes, truncated } = await readBounded(response.body, ERROR_EXCERPT_BYTES);
    const location = response.headers.get('location');
    const excerpt = bytes.toString('utf8') + (truncated ? ' …(truncated)' : '');
    const text = [statusLine, location ? `redirect to ${location} (not followed)` : '', excerpt].filter(Boolean).join(': ');
    return { isError: true, content: [{ type: 'text', text }] };
  }
  const { bytes, truncated } = await readBounded(response.body, maxResponseBytes);
  if (truncated) {
    return {
      isError: true,
      content: [
        {
          type: 'text',
          text: `${statusLine}: the response is larger than this target's limit of ${maxResponseBytes} bytes; ask for less (filters, fields, pagination)`,
        },
      ],
    };
  }
  if (bytes.length === 0) return { content: [{ type: 'text', text: statusLine }] };
  const mimeType = type.split(';')[0]?.trim().toLowerCase() ?? '';
  if (mimeType.startsWith('image/')) return { content: [{ type: 'image', data: bytes.toString('base64'), mimeType }] };
  if (mimeType !== '' && !isTextual(mimeType)) {
    return { content: [{ type: 'resource', resource: { uri: url, mimeType, blob: bytes.toString('base64') } }] };
  }
  const text = bytes.toString('utf8');
  const structured = isJsonMediaType(mimeType) || mimeType === '' ? parseJsonObject(text) : undefined;
  return { content: [{ type: 'text', text }], ...(structured ? { structuredContent: structured } : {}) };
}

function isTextual(mimeType: string): boolean {
  return mimeType.startsWith('text/') || isJsonMediaType(mimeType) || /[+/](xml|yaml|javascript|x-www-form-urlencoded|csv)$/.test(mimeType);
}

function parseJsonObject(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return isRecord(value) ? value : undefined;
  } catch {
    return undefined;
  }
}
