export { toFetchRequest, sendFetchResponse, readBody, BodyTooLargeError } from './bridge.js';
export { queryParameters } from './query.js';
