/**
 * Outbound credentials for one target, resolved from Identity's vault by the gateway; drivers apply them to every
 * upstream request. The caller's own token is never among them.
 */
export interface OutboundCredentials {
  headers(): Promise<Record<string, string>>;
  query(): Promise<Record<string, string>>;
}
