export { toFetchRequest, sendFetchResponse, readBody, BodyTooLargeError } from './bridge.js';
