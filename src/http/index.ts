export { toFetchRequest, sendFetchResponse, readBody, afterAnswersLeave, BodyTooLargeError } from './bridge.js';
export { signableUrl } from './query.js';
export type { SignableUrl } from './query.js';
export { decodePathPart, BadPathError } from './path.js';
export { requestOrigin } from './origin.js';
export { escapeHtml } from './html.js';
/** The MCP protocol revisions, named once. */
export { SESSION_PROTOCOL_VERSION, PER_REQUEST_PROTOCOL_VERSION, PER_REQUEST_PROTOCOL_VERSIONS } from './protocol-versions.js';
/** Nesting bound for JSON bodies, checked before JSON.parse (runtime and gateway edges). */
export { MAX_JSON_DEPTH, exceedsJsonDepth, parseJsonRpcBody } from './json-depth.js';
/** The runtime, gateway and RFC 9728 metadata URL contract (names and ARNs), built and parsed in one place. */
export {
  AGENTCORE_RUNTIME_ARN,
  DEFAULT_QUALIFIER,
  METADATA_PREFIX,
  TOOLPORT_RUNTIME_ARN,
  gatewayPath,
  gatewayUrl,
  metadataPath,
  parseEndpointPath,
  runtimeArn,
  runtimeNameOfRef,
  runtimePath,
  runtimePathOfSegment,
  runtimeUrl,
  underEndpointPrefix,
} from './urls.js';
export type { EndpointPath } from './urls.js';
export { freeLoopbackPort } from './free-port.js';
