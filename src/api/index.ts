/** The `/api` framework: admin-token check, JSON bodies, each part's routes under its prefix, errors answered through errorAnswer. */
export { handleApi, isAdmin } from './api.js';
export type { ApiContext, ApiReply, ApiRequest, ApiRoutes } from './api.js';
