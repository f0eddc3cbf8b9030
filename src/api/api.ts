import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ConfigError, configJsonSchema } from '../config/index.js';
import { errorAnswer, ToolportError } from '../errors/index.js';
import { readBody, decodePathPart } from '../http/index.js';
import type { Logger } from '../log/index.js';

const MAX_API_BODY = 1024 * 1024;

function send(res: ServerResponse, status: number, body?: unknown, headers: Record<string, string> = {}): void {
  if (body === undefined) {
    res.writeHead(status, headers).end();
    return;
  }
  res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
}

/** Answers a refusal through the one mapper; a ConfigError adds the bad keys as `details`. */
function fail(res: ServerResponse, error: ToolportError, requestId: string, log: Logger): void {
  const answer = errorAnswer(error, requestId);
  log.info('api request refused', { requestId, code: error.code, status: answer.status });
  const details = error instanceof ConfigError ? { details: error.issues } : {};
  send(res, answer.status, { error: { ...answer.body.error, ...details } }, answer.headers);
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
 * Throw a ToolportError (ConfigError, StoreError, VaultError...) for failures: its code gives the status.
 */
export type ApiRoutes = (request: ApiRequest) => Promise<ApiReply | undefined>;

/** What the edge gives each `/api` request: the request id its answer and log line carry, and the log. */
export interface ApiContext {
  requestId: string;
  log: Logger;
}

/** Serves `/api/{prefix}/...` from each part's routes; every route needs the admin bearer token. */
export async function handleApi(
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  routes: Record<string, ApiRoutes>,
  adminToken: string,
  { requestId, log }: ApiContext,
): Promise<void> {
  const refuse = (error: ToolportError): void => fail(res, error, requestId, log);
  if (!isAdmin(req, adminToken)) {
    res.setHeader('www-authenticate', 'Bearer realm="toolport-admin"');
    return refuse(
      new ToolportError(
        'unauthorized',
        'the control plane needs the admin token: Authorization: Bearer <token> (printed at start, stored in DATA_DIR/admin-token)',
      ),
    );
  }
  const [, prefix, ...parts] = path.split('/').filter(Boolean).map(decodePathPart); // ['api', 'runtimes', name, ...]
  const method = req.method ?? 'GET';
  try {
    if (prefix === 'schema' && parts[0] === 'config' && method === 'GET') return send(res, 200, configJsonSchema());
    const part = prefix === undefined ? undefined : routes[prefix];
    if (!part) return refuse(new ToolportError('not_found', `no API route ${method} ${path}; see /api/${Object.keys(routes).join(', /api/')}`));
    const reply = await part({ method, parts, body: () => jsonBody(req), req });
    if (!reply) return refuse(new ToolportError('method_not_allowed', `${method} is not supported on ${path}`));
    return send(res, reply.status, reply.body);
  } catch (error) {
    if (error instanceof ToolportError) return refuse(error);
    throw error;
  }
}
