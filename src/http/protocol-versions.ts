/**
 * The MCP protocol revisions Toolport speaks, named once. The SDK (2.4) exports only its 2025-era list
 * (`SUPPORTED_PROTOCOL_VERSIONS`), so the per-request revision is named here.
 */

/** The session revision: `initialize` first, then `Mcp-Session-Id` (MCP 2025-11-25). */
export const SESSION_PROTOCOL_VERSION = '2025-11-25';

/** The per-request revision: no `initialize`, `Mcp-Method` headers and a `_meta` envelope (MCP 2026-07-28). */
export const PER_REQUEST_PROTOCOL_VERSION = '2026-07-28';

/** The per-request revisions an edge serves. */
export const PER_REQUEST_PROTOCOL_VERSIONS: readonly string[] = [PER_REQUEST_PROTOCOL_VERSION];
