/** The `/api` framework: admin-token check, JSON bodies, each part's routes under its prefix, errors mapped to statuses. */
export { ApiProblem, handleApi, isAdmin } from './api.js';
export type { ApiReply, ApiRequest, ApiRoutes } from './api.js';
