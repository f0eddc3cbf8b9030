import { z } from 'zod';
import { validate } from '../../config/index.js';
import type { ApiRoutes } from '../../api/index.js';
import { CLIENT_GRANTS } from './clients.js';
import type { Identity } from './identity.js';

const userBody = z.object({ username: z.string(), password: z.string(), email: z.string().email().optional() }).strict();
const resourceServerBody = z.object({ identifier: z.string(), name: z.string().optional(), scopes: z.array(z.string()).default([]) }).strict();
const clientBody = z
  .object({
    clientId: z.string().optional(),
    name: z.string().optional(),
    /** true (default for client_credentials) generates a secret, returned once; false makes a public client. */
    secret: z.boolean().optional(),
    grants: z.array(z.enum(CLIENT_GRANTS)).min(1),
    scopes: z.array(z.string()).default([]),
    redirectUris: z.array(z.string()).default([]),
    resources: z.array(z.string()).default([]),
  })
  .strict();

/**
 * `/api/identity/...`: users, clients and resource servers of the authorization server, and its signing keys.
 * A client's generated secret appears once, in the answer to its creation.
 */
export function identityRoutes(identity: Identity): ApiRoutes {
  const { directory } = identity;
  return async ({ method, parts, body }) => {
    const [collection, id, action] = parts;
    if (!collection && method === 'GET') {
      return {
        status: 200,
        body: { issuer: identity.issuer, discoveryUrl: `${identity.issuer}/.well-known/openid-configuration`, cognitoEndpoint: `${identity.issuer}/cognito` },
      };
    }
    if (collection === 'users') {
      if (!id && method === 'GET') return { status: 200, body: { users: await directory.users.list() } };
      if (!id && method === 'POST') return { status: 201, body: await directory.users.create(validate(userBody, await body(), 'user')) };
      if (id && method === 'DELETE') return { status: 204, body: await directory.users.delete(id) };
    }
    if (collection === 'clients') {
      if (!id && method === 'GET') return { status: 200, body: { clients: await directory.clients.list() } };
      if (!id && method === 'POST') {
        const input = validate(clientBody, await body(), 'client');
        const secret = input.secret ?? input.grants.includes('client_credentials');
        const { secret: _flag, ...rest } = input;
        return { status: 201, body: await directory.clients.create({ ...rest, secret }) };
      }
      if (id && method === 'DELETE') return { status: 204, body: await directory.clients.delete(id) };
    }
    if (collection === 'resource-servers') {
      if (!id && method === 'GET') return { status: 200, body: { resourceServers: await directory.resourceServers.list() } };
      if (!id && method === 'POST')
        return { status: 201, body: await directory.resourceServers.create(validate(resourceServerBody, await body(), 'resource server')) };
      if (id && method === 'DELETE') return { status: 204, body: await directory.resourceServers.delete(id) };
    }
    if (collection === 'keys') {
      if (!id && method === 'GET') return { status: 200, body: { keys: await identity.listKeys() } };
      if (id === 'rotate' && !action && method === 'POST') return { status: 201, body: await identity.rotateKeys() };
    }
    return undefined;
  };
}
