import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ConfigError, configJsonSchema } from '../config/index.js';
import { readBody, BodyTooLargeError, decodePathPart } from '../http/index.js';
import { StoreError } from '../store/index.js';

const MAX_API_BODY = 1024 * 1024;
const STORE_STATUS: Record<StoreError['code'], number> = { conflict: 409, not_found: 404, invalid: 400, unavailable: 503 };

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

/** One `/api/...` request as a part's routes see it. */
export interface ApiRequest {
  method: string;
  /** Decoded path segments after `/api/{prefix}`: `/api/runtimes/a/versions` gives `['a', 'versions']`. */
  parts: string[];
  /** The JSON object body (400 if it is not one, 413 over 1 MiB). */
  body(): Promise<Record<string, unknown>>;
  req: IncomingMessage;
}
/** What a route answers; `body` undefined sends an empty response. */
export interface ApiReply {
  status: number;
  body?: unknown;
}
/**
 * A part's routes under `/api/{prefix}`; resolves to undefined when no route matches (the edge answers 404/405).
 * Throw ConfigError (400), StoreError (404/409/400/503) or ApiProblem for failures.
 */
export type ApiRoutes = (request: ApiRequest) => Promise<ApiReply | undefined>;

/** A failure with its own HTTP status, for cases ConfigError and StoreError do not name. */
export class ApiProblem extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** Serves `/api/{prefix}/...` from each part's routes; every route needs the admin bearer token. */
export async function handleApi(req: IncomingMessage, res: ServerResponse, path: string, routes: Record<string, ApiRoutes>, adminToken: string): Promise<void> {
  if (!isAdmin(req, adminToken)) {
    res.setHeader('www-authenticate', 'Bearer realm="toolport-admin"');
    return fail(
      res,
      401,
      'unauthorized',
      'the control plane needs the admin token: Authorization: Bearer <token> (printed at start, stored in DATA_DIR/admin-token)',
    );
  }
  const [, prefix, ...parts] = path.split('/').filter(Boolean).map(decodePathPart); // ['api', 'runtimes', name, ...]
  const method = req.method ?? 'GET';
  try {
    if (prefix === 'schema' && parts[0] === 'config' && method === 'GET') return send(res, 200, configJsonSchema());
    const part = prefix === undefined ? undefined : routes[prefix];
    if (!part) return fail(res, 404, 'not_found', `no API route ${method} ${path}; see /api/${Object.keys(routes).join(', /api/')}`);
    const reply = await part({ method, parts, body: () => jsonBody(req), req });
    if (!reply) return fail(res, 405, 'method_not_allowed', `${method} is not supported on ${path}`);
    return send(res, reply.status, reply.body);
  } catch (error) {
    if (error instanceof ConfigError) return fail(res, 400, error.code, error.message, error.issues);
    if (error instanceof StoreError) return fail(res, STORE_STATUS[error.code], error.code, error.message);
    if (error instanceof BodyTooLargeError) return fail(res, 413, error.code, error.message);
    if (error instanceof ApiProblem) return fail(res, error.status, error.code, error.message);
    throw error;
  }
}
