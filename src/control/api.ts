import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ConfigError, configJsonSchema } from '../config/index.js';
import { readBody, BodyTooLargeError } from '../http/index.js';
import { StoreError } from '../store/index.js';
import type { ControlPlane } from './service.js';

const MAX_API_BODY = 1024 * 1024;
const STORE_STATUS: Record<StoreError['code'], number> = { conflict: 409, not_found: 404, invalid: 400, unavailable: 503 };

/** Live session listing, provided by the runtime host. */
export interface SessionLister {
  listSessions(runtime?: string): unknown[];
}

function send(res: ServerResponse, status: number, body?: unknown): void {
  if (body === undefined) {
    res.writeHead(status).end();
    return;
  }
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

function fail(res: ServerResponse, status: number, code: string, message: string, details?: unknown): void {
  send(res, status, { error: { code, message, ...(details === undefined ? {} : { details }) } });
}

/** Constant-time check of `Authorization: Bearer <admin token>`. */
export function isAdmin(req: IncomingMessage, adminToken: string): boolean {
  const match = /^Bearer (.+)$/.exec(req.headers.authorization ?? '');
  if (!match?.[1]) return false;
  const given = Buffer.from(match[1]);
  const expected = Buffer.from(adminToken);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

async function jsonBody(req: IncomingMessage): Promise<Record<string, unknown>> {
  const raw = await readBody(req, MAX_API_BODY);
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw.toString('utf8') || '{}');
  } catch {
    throw new ConfigError('the request body is not valid JSON');
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new ConfigError('the request body must be a JSON object');
  return parsed as Record<string, unknown>;
}

/** Serves `/api/...`; every route needs the admin bearer token. */
export async function handleApi(
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  plane: ControlPlane,
  sessions: SessionLister,
  adminToken: string,
): Promise<void> {
  if (!isAdmin(req, adminToken)) {
    res.setHeader('www-authenticate', 'Bearer realm="toolport-admin"');
    return fail(res, 401, 'unauthorized', 'the control plane needs the admin token: Authorization: Bearer <token> (printed at start, stored in DATA_DIR/admin-token)');
  }
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent); // ['api', 'runtimes', name, ...]
  const method = req.method ?? 'GET';
  try {
    if (parts[1] === 'schema' && parts[2] === 'config' && method === 'GET') return send(res, 200, configJsonSchema());
    if (parts[1] !== 'runtimes') return fail(res, 404, 'not_found', `no API route ${method} ${path}`);
    const [, , name, sub, endpoint] = parts;
    if (!name) {
      if (method === 'GET') return send(res, 200, { runtimes: await plane.listRuntimes() });
      if (method === 'POST') {
        const { name: newName, ...spec } = await jsonBody(req);
        return send(res, 201, await plane.createRuntime(String(newName ?? ''), spec));
      }
    } else if (!sub) {
      if (method === 'GET') return send(res, 200, await plane.getRuntime(name));
      if (method === 'PUT') {
        const { name: _ignored, ...spec } = await jsonBody(req);
        return send(res, 200, await plane.updateRuntime(name, spec));
      }
      if (method === 'DELETE') return send(res, 204, await plane.deleteRuntime(name));
    } else if (sub === 'versions' && method === 'GET') {
      return send(res, 200, { versions: await plane.listVersions(name) });
    } else if (sub === 'sessions' && method === 'GET') {
      await plane.getRuntime(name);
      return send(res, 200, { sessions: sessions.listSessions(name) });
    } else if (sub === 'endpoints' && endpoint) {
      if (method === 'PUT') return send(res, 200, await plane.setEndpoint(name, endpoint, (await jsonBody(req)).version));
      if (method === 'DELETE') return send(res, 204, await plane.deleteEndpoint(name, endpoint));
    }
    return fail(res, 405, 'method_not_allowed', `${method} is not supported on ${path}`);
  } catch (error) {
    if (error instanceof ConfigError) return fail(res, 400, error.code, error.message, error.issues);
    if (error instanceof StoreError) return fail(res, STORE_STATUS[error.code], error.code, error.message);
    if (error instanceof BodyTooLargeError) return fail(res, 413, error.code, error.message);
    throw error;
  }
}
