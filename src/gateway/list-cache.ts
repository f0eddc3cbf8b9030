// `tools/list` from pre-serialised pages. The catalog only changes at sync, so its pages are turned into JSON once
// per change and a plain list request is answered with that text as one `application/json` response, without the
// per-request MCP server, the SSE stream or the session's event store. Anything less plain (a restricted caller, an
// unknown cursor, a header the SDK would refuse or other fields) goes through the SDK as before, so the two paths
// cannot disagree on what is valid; test/gateway/list-cache.test.ts checks they answer alike.
import { SERVER_INFO_META_KEY, type Tool } from '@modelcontextprotocol/server';
import { page } from './catalog.js';
import type { GatewayCatalog } from './catalog.js';
import type { LiveGateway } from './live.js';
import type { PlainListRequest } from './plain-requests.js';
import { gatewayServerInfo } from './server.js';

/** One gateway's `tools/list` pages as JSON text, rebuilt after each catalog change; only unrestricted lists are cached. */
export class ToolListPages {
  private source: GatewayCatalog | undefined;
  /** By cursor ('' for the first page): the `"tools":[...]` and `"nextCursor"` members of the result, encoded once. */
  private readonly pages = new Map<string, Buffer>();
  /**
   * Pages the SDK must answer for 2025-11-25 sessions: it rewrites an output schema whose root is not an object for
   * those callers, so a page holding such a tool is not the same text for both revisions.
   */
  private readonly modernOnly = new Set<string>();

  constructor(private readonly gateway: LiveGateway) {}

  /** The whole JSON-RPC response to a plain request (UTF-8 parts, in order), or undefined when the SDK path must answer it. */
  response(request: PlainListRequest): Buffer[] | undefined {
    if (!this.gateway.policy.unrestricted) return undefined;
    const members = this.members(request.cursor ?? '');
    if (members === undefined || (request.sessionId !== undefined && this.modernOnly.has(request.cursor ?? ''))) return undefined;
    const modern =
      request.sessionId === undefined
        ? `,"resultType":"complete","ttlMs":0,"cacheScope":"private","_meta":${JSON.stringify({ [SERVER_INFO_META_KEY]: gatewayServerInfo(this.gateway.name) })}`
        : '';
    return [Buffer.from(`{"jsonrpc":"2.0","id":${JSON.stringify(request.id)},"result":{`), members, Buffer.from(`${modern}}}`)];
  }

  /** Serialises every page of the current catalog once; a cursor the gateway never handed out is not in the map. */
  private members(wanted: string): Buffer | undefined {
    if (this.source !== this.gateway.catalog) {
      this.source = this.gateway.catalog;
      this.pages.clear();
      this.modernOnly.clear();
      const tools = this.gateway.toolsVisibleTo(undefined);
      let cursor: string | undefined;
      do {
        const current: { items: Tool[]; nextCursor?: string } = page(tools, cursor, this.gateway.row.spec.pageSize);
        this.pages.set(
          cursor ?? '',
          Buffer.from(`"tools":${JSON.stringify(current.items)}${current.nextCursor ? `,"nextCursor":${JSON.stringify(current.nextCursor)}` : ''}`),
        );
        if (current.items.some((tool) => tool.outputSchema !== undefined && tool.outputSchema.type !== 'object')) this.modernOnly.add(cursor ?? '');
        cursor = current.nextCursor;
      } while (cursor !== undefined);
    }
    return this.pages.get(wanted);
  }
}
