/** Control plane: runtime CRUD, versions and endpoints, over REST and from the config file. */
export { ControlPlane } from './service.js';
export type { RuntimeListener, RuntimeProblem } from './service.js';
export { ApiProblem, handleApi, isAdmin, runtimeRoutes } from './api.js';
export type { ApiReply, ApiRequest, ApiRoutes, SessionLister } from './api.js';
