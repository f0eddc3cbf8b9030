import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ApiReply, ApiRoutes } from '../../api/index.js';
import { escapeHtml } from '../../http/index.js';
import type { Logger } from '../../log/index.js';
import type { AccessKeys } from '../access-keys.js';
import { VaultError } from './errors.js';
import type { Vault } from './vault.js';

/** Where issuers send users back after they granted a credential (the redirect URI to register with them). */
export const VAULT_CALLBACK_PATH = '/identity/vault/callback';

/**
 * Control-plane routes under `/api/credentials`: `providers[/NAME[/authorize]]` for the vault and `access-keys[/ID]`
 * for SigV4 keys. Listings never carry secrets; a new access key's secret is in the create answer only.
 */
export function credentialRoutes(vault: Vault, accessKeys: AccessKeys): ApiRoutes {
  return async ({ method, parts, body }): Promise<ApiReply | undefined> => {
    const [collection, id, action] = parts;
    if (collection === 'providers') {
      if (!id && method === 'GET') return { status: 200, body: { providers: await vault.listProviders() } };
      if (!id && method === 'POST') return { status: 201, body: await vault.createProvider(await body()) };
      if (id && !action && method === 'GET') return { status: 200, body: await vault.getProvider(id) };
      if (id && !action && method === 'DELETE') {
        if (!(await vault.deleteProvider(id))) throw new VaultError('not_found', `no credential named "${id}"`);
        return { status: 204 };
      }
      if (id && action === 'authorize' && method === 'POST') {
        const { userId, scopes } = await body();
        if (typeof userId !== 'string' || !userId) throw new VaultError('invalid', 'give the userId who will grant access');
        const requested = Array.isArray(scopes) ? scopes.map(String) : undefined;
        return { status: 200, body: { authorizationUrl: await vault.authorize({ provider: id, userId, ...(requested ? { scopes: requested } : {}) }) } };
      }
    } else if (collection === 'access-keys') {
      if (!id && method === 'GET') return { status: 200, body: { accessKeys: await accessKeys.list() } };
      if (!id && method === 'POST') return { status: 201, body: await accessKeys.create(await body()) };
      if (id && method === 'DELETE') {
        if (!(await accessKeys.delete(id))) throw new VaultError('not_found', `no access key ${id}`);
        return { status: 204 };
      }
    }
    return undefined;
  };
}

function page(res: ServerResponse, status: number, title: string, text: string): void {
  res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store', 'content-security-policy': "default-src 'none'" });
  res.end(
    `<!doctype html><html><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head><body><h1>${escapeHtml(title)}</h1><p>${escapeHtml(text)}</p></body></html>`,
  );
}

/** The user-federation callback: exchanges the code for the user's tokens and says how it went (codes never logged). */
export async function handleVaultCallback(vault: Vault, req: IncomingMessage, res: ServerResponse, log: Logger): Promise<void> {
  const query = new URL(req.url ?? '/', 'http://callback').searchParams;
  const state = query.get('state');
  if (!state) return page(res, 400, 'Missing state', 'This page finishes a credential authorization and needs the state parameter the issuer sends back.');
  try {
    const code = query.get('code');
    const error = query.get('error');
    const iss = query.get('iss');
    const { provider, userId } = await vault.completeAuthorization({ state, ...(code ? { code } : {}), ...(error ? { error } : {}), ...(iss ? { iss } : {}) });
    log.info('vault consent stored', { provider, userId });
    page(res, 200, 'Access granted', `Toolport stored the access of ${userId} to ${provider}. You can close this window and retry what you were doing.`);
  } catch (error) {
    if (!(error instanceof VaultError)) throw error;
    log.warn('vault consent failed', { code: error.code, error: error.message });
    page(res, error.httpStatus, 'Access not granted', error.message);
  }
}
