import type { ApiRoutes } from '../api/index.js';
import type { ControlPlane } from './control-plane.js';
import { RuntimeError } from './errors.js';

/** Live and stored sessions, as the runtime host lists and stops them. */
export interface SessionControl {
  listSessions(runtime?: string): unknown[];
  listStoredSessions(runtime: string): Promise<unknown[]>;
  stopSession(runtime: string, id: string): Promise<boolean>;
}

/** The runtime routes: CRUD, versions, endpoints, live and stored sessions. */
export function runtimeRoutes(plane: ControlPlane, sessions: SessionControl): ApiRoutes {
  return async ({ method, parts, body }) => {
    const [name, sub, item] = parts;
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
    } else if (sub === 'sessions' && !item && method === 'GET') {
      await plane.getRuntime(name);
      return { status: 200, body: { sessions: [...sessions.listSessions(name), ...(await sessions.listStoredSessions(name))] } };
    } else if (sub === 'sessions' && item && method === 'DELETE') {
      // AgentCore's StopRuntimeSession: the live session ends, its stored HOME goes.
      await plane.getRuntime(name);
      if (!(await sessions.stopSession(name, item))) throw new RuntimeError('session_not_found', `runtime "${name}" has no session ${item}`);
      return { status: 204, body: undefined };
    } else if (sub === 'endpoints' && item) {
      if (method === 'PUT') return { status: 200, body: await plane.setEndpoint(name, item, await body()) };
      if (method === 'DELETE') return { status: 204, body: await plane.deleteEndpoint(name, item) };
    }
    return undefined;
  };
}
