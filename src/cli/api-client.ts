import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

/** Where the control plane is and how to authenticate to it (flags, then env, then the local data dir). */
export interface ApiTarget {
  server: string;
  token: string;
}

/** A control-plane error, printed as-is (the server's messages say what to do). */
export class ApiError extends Error {
  constructor(
    /** The server's HTTP status; 0 when no server answered. */
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** Resolves the control-plane URL and admin token for CLI verbs. */
export async function apiTarget(options: { server?: string; token?: string; dataDir?: string }): Promise<ApiTarget> {
  const server = (options.server ?? process.env.TOOLPORT_SERVER ?? 'http://127.0.0.1:8080').replace(/\/$/, '');
  let token = options.token ?? process.env.TOOLPORT_ADMIN_TOKEN;
  if (!token) {
    const file = join(options.dataDir ?? process.env.TOOLPORT_DATA_DIR ?? '.toolport', 'admin-token');
    token = (await readFile(file, 'utf8').catch(() => '')).trim();
    // Refused before sending, as the server would refuse a request without one.
    if (!token) throw new ApiError(401, `no admin token: pass --token, set TOOLPORT_ADMIN_TOKEN, or run from the folder holding ${file}`);
  }
  return { server, token };
}

/** Calls the control-plane REST API; non-2xx becomes an ApiError carrying the server's message. */
export async function callApi(target: ApiTarget, method: string, path: string, body?: unknown): Promise<unknown> {
  let response: Response;
  try {
    response = await fetch(`${target.server}${path}`, {
      method,
      headers: { authorization: `Bearer ${target.token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(30_000),
    });
  } catch (error) {
    throw new ApiError(0, `cannot reach the Toolport server at ${target.server} (${(error as Error).message}); start it with: toolport up, or pass --server`);
  }
  const text = await response.text();
  const parsed: unknown = text ? JSON.parse(text) : undefined;
  if (!response.ok) {
    const error = (parsed as { error?: { message?: string } } | undefined)?.error;
    throw new ApiError(response.status, `${response.status} from ${target.server}: ${error?.message ?? text}`);
  }
  return parsed;
}
