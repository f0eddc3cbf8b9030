import type { ApiRoutes } from '../api/index.js';
import type { GatewayService } from './service.js';

/** Default and largest number of audit records `GET /api/gateways/{name}/calls` returns. */
const DEFAULT_CALLS = 50;

/**
 * `/api/gateways`: gateway CRUD, targets (`/api/gateways/{g}/targets[/{t}]`), sync (`POST .../sync`,
 * `POST .../targets/{t}/sync`) and the audit log (`GET .../calls?limit=N`).
 */
export function gatewayRoutes(service: GatewayService): ApiRoutes {
  return async ({ method, parts, body, req }) => {
    const [name, sub, target, action] = parts;
    if (!name) {
      if (method === 'GET') return { status: 200, body: { gateways: await service.listGateways() } };
      if (method === 'POST') {
        const { name: newName, ...spec } = await body();
        return { status: 201, body: await service.createGateway(String(newName ?? ''), spec) };
      }
      return undefined;
    }
    if (!sub) {
      if (method === 'GET') return { status: 200, body: await service.getGateway(name) };
      if (method === 'PUT') {
        const { name: _ignored, ...spec } = await body();
        return { status: 200, body: await service.updateGateway(name, spec) };
      }
      if (method === 'DELETE') return { status: 204, body: await service.deleteGateway(name) };
      return undefined;
    }
    if (sub === 'sync' && method === 'POST') return { status: 200, body: { targets: await service.sync(name) } };
    if (sub === 'calls' && method === 'GET') {
      const limit = new URL(req.url ?? '/', 'http://localhost').searchParams.get('limit');
      return { status: 200, body: { calls: await service.listCalls(name, limit === null ? DEFAULT_CALLS : Number(limit)) } };
    }
    if (sub !== 'targets') return undefined;
    if (!target) {
      if (method === 'GET') return { status: 200, body: { targets: await service.listTargets(name) } };
      if (method === 'POST') return { status: 201, body: await service.putTarget(name, await body()) };
      return undefined;
    }
    if (action === 'sync' && method === 'POST') return { status: 200, body: { targets: await service.sync(name, target) } };
    if (action) return undefined;
    if (method === 'PUT') return { status: 200, body: await service.putTarget(name, { ...(await body()), name: target }) };
    if (method === 'DELETE') return { status: 204, body: await service.removeTarget(name, target) };
    return undefined;
  };
}
