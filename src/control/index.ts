/** Control plane: runtime CRUD, versions and endpoints, over REST and from the config file. */
export { ControlPlane } from './service.js';
export type { RuntimeListener } from './service.js';
export { handleApi, isAdmin } from './api.js';
export type { SessionLister } from './api.js';
