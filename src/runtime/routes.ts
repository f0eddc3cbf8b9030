import type { ApiRoutes } from '../api/index.js';
import type { ControlPlane } from './control-plane.js';

/** Live session listing, provided by the runtime host. */
export interface SessionLister {
  listSessions(runtime?: string): unknown[];
}

/** The runtime routes: CRUD, versions, endpoints and live sessions. */
export function runtimeRoutes(plane: ControlPlane, sessions: SessionLister): ApiRoutes {
  return async ({ method, parts, body }) => {
    const [name, sub, endpoint] = parts;
    if (!name) {
      if (method === 'GET') return { status: 200, body: { runtimes: await plane.listRuntimes() } };
      if (method === 'POST') {
        const { name: newName, ...spec } = await body();
        return { status: 201, body: await plane.createRuntime(String(newName ?? ''), spec) };
      }
    } else if (!sub) {
      if (method === 'GET') return { status: 200, body: await plane.describeRuntime(name) };
      if (method === 'PUT') {
        const { name: _ignored, ...spec } = await body();
        return { status: 200, body: await plane.updateRuntime(name, spec) };
      }
      if (method === 'DELETE') return { status: 204, body: await plane.deleteRuntime(name) };
    } else if (sub === 'versions' && method === 'GET') {
      return { status: 200, body: { versions: await plane.listVersions(name) } };
    } else if (sub === 'sessions' && method === 'GET') {
      await plane.getRuntime(name);
      return { status: 200, body: { sessions: sessions.listSessions(name) } };
    } else if (sub === 'endpoints' && endpoint) {
      if (method === 'PUT') return { status: 200, body: await plane.setEndpoint(name, endpoint, await body()) };
      if (method === 'DELETE') return { status: 204, body: await plane.deleteEndpoint(name, endpoint) };
    }
    return undefined;
  };
}
