export { toFetchRequest, sendFetchResponse, readBody, BodyTooLargeError } from './bridge.js';
export { signableUrl } from './query.js';
export type { SignableUrl } from './query.js';
export { decodePathPart, BadPathError } from './path.js';
