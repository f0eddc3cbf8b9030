import { createHash, randomBytes } from 'node:crypto';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { errorAnswer, newRequestId, ToolportError } from '../../errors/index.js';
import { BodyTooLargeError, readBody } from '../../http/index.js';
import type { Logger } from '../../log/index.js';
import { VAULT_URL_ENV, WORKER_CREDENTIAL_FILE, WORKER_CREDENTIAL_HEADER, WORKLOAD_TOKEN_ENV } from '../../tools/index.js';
import { bearerToken } from '../challenge.js';
import { VaultError } from './errors.js';
import type { Vault } from './vault.js';

const MAX_BODY_BYTES = 16 * 1024;
const tokenRequestSchema = z.object({
  provider: z.string().min(1),
  scopes: z.array(z.string()).optional(),
  flow: z.enum(['m2m', 'user']),
  userId: z.string().min(1).optional(),
});
const apiKeyRequestSchema = z.object({ provider: z.string().min(1) });

const hash = (token: string): string => createHash('sha256').update(token).digest('hex');

/** The session a worker serves: its runtime, and the subject of its authenticated caller (none in an open runtime). */
export interface WorkerServing {
  runtime: string;
  subject: string | undefined;
}

/** The vault's endpoint for tools in worker processes, and the per-runtime workload tokens that open it. */
export interface WorkloadEndpoint {
  /** Loopback URL of the endpoint. */
  url: string;
  /** The same endpoint on a unix socket, for workers in a sandbox with no network of the host's (0666 in a 0711 folder). */
  socket: string;
  /** The environment the runtime host adds to every worker of `runtime` (none unless a credential grants it). */
  envFor(runtime: string): Record<string, string>;
  /**
   * Records which runtime's session the worker holding `credential` serves, and for which caller's subject (none in an
   * open runtime); `undefined` once the session ends. Its `user` tokens are that caller's.
   */
  serves(credential: string, serving: WorkerServing | undefined): void;
  close(): Promise<void>;
}

/**
 * Starts the workload endpoint on its own loopback port, never on the public edge: workers are local processes,
 * and this way their tokens cannot be tried from outside. Each runtime gets a random token for this process's
 * lifetime (held hashed); the vault then checks the provider's `runtimes` list.
 */
export async function startWorkloadEndpoint(vault: Vault, log: Logger): Promise<WorkloadEndpoint> {
  const tokens = new Map<string, string>(); // runtime → token
  const runtimes = new Map<string, string>(); // sha256(token) → runtime
  const callers = new Map<string, WorkerServing>(); // sha256(worker credential) → the session it serves
  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    const requestId = newRequestId();
    serve(req, res, requestId).catch((error: Error) => {
      log.error('workload endpoint failed', { requestId, error: error.stack });
      refuse(res, new ToolportError('internal', `internal error in the vault; see the Toolport log for request id ${requestId}`), requestId);
    });
  };
  const server = createServer(handle);
  const socketServer = createServer(handle);

  function reply(res: ServerResponse, status: number, body: unknown): void {
    res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(JSON.stringify(body));
  }

  /** Answers a failure through the one mapper; a VaultError's consent URL goes along so the worker can show it. */
  function refuse(res: ServerResponse, error: ToolportError, requestId: string): void {
    const answer = errorAnswer(error, requestId);
    const consent = error instanceof VaultError && error.authorizationUrl ? { authorizationUrl: error.authorizationUrl } : {};
    reply(res, answer.status, { error: { ...answer.body.error, ...consent } });
  }

  async function serve(req: IncomingMessage, res: ServerResponse, requestId: string): Promise<void> {
    const token = bearerToken(req.headers.authorization);
    const runtime = token ? runtimes.get(hash(token)) : undefined;
    const facts: Record<string, unknown> = { requestId, runtime };
    const refused = (error: ToolportError, event = 'workload credential'): void => {
      log.info(event, { ...facts, status: error.httpStatus, code: error.code });
      refuse(res, error, requestId);
    };
    if (!runtime) return refused(new ToolportError('unauthorized', `this endpoint needs the worker's ${WORKLOAD_TOKEN_ENV}`), 'workload request refused');
    const path = new URL(req.url ?? '/', 'http://workload').pathname;
    facts.path = path;
    if (req.method !== 'POST' || (path !== '/v1/access-token' && path !== '/v1/api-key')) {
      return refused(new ToolportError('not_found', 'the workload endpoint serves POST /v1/access-token and POST /v1/api-key'), 'workload request refused');
    }
    try {
      let parsed: unknown;
      try {
        parsed = JSON.parse((await readBody(req, MAX_BODY_BYTES)).toString('utf8'));
      } catch (error) {
        throw new VaultError(
          'invalid',
          error instanceof BodyTooLargeError ? `the request body is larger than ${MAX_BODY_BYTES} bytes` : 'the request body is not JSON',
        );
      }
      if (path === '/v1/api-key') {
        const { provider } = validated(apiKeyRequestSchema, parsed);
        facts.provider = provider;
        await vault.assertRuntimeMay(provider, runtime);
        reply(res, 200, { apiKey: await vault.apiKey(provider) });
      } else {
        const request = validated(tokenRequestSchema, parsed);
        Object.assign(facts, { provider: request.provider, flow: request.flow });
        await vault.assertRuntimeMay(request.provider, runtime);
        if (request.flow === 'user') request.userId = userFor(runtime, req.headers[WORKER_CREDENTIAL_HEADER], request.userId);
        reply(res, 200, { accessToken: await vault.accessToken(request) });
      }
      log.info('workload credential', { ...facts, status: 200 });
    } catch (error) {
      if (!(error instanceof VaultError)) throw error;
      refused(error);
    }
  }

  /**
   * The user a `user` token is for. The worker is known by the credential the host wrote into its HOME at spawn, never
   * by anything it reports about itself: a caller that is not a worker serving a session of this runtime gets none. A
   * worker whose session has an authenticated caller acts for that caller only (a tool cannot be talked into fetching
   * someone else's token); a worker of an open runtime names the user itself.
   */
  function userFor(runtime: string, credential: string | string[] | undefined, requested: string | undefined): string {
    const caller = typeof credential === 'string' ? callers.get(hash(credential)) : undefined;
    if (caller?.runtime !== runtime) {
      throw new VaultError(
        'forbidden',
        `flow "user" is for a worker serving a session of runtime "${runtime}", known by the credential in its HOME (${WORKER_CREDENTIAL_FILE}); this caller is not one`,
      );
    }
    if (caller.subject !== undefined) {
      if (requested !== undefined && requested !== caller.subject) {
        throw new VaultError('forbidden', `this session acts for its caller "${caller.subject}" only; it cannot ask for the tokens of "${requested}"`);
      }
      return caller.subject;
    }
    if (requested === undefined) throw new VaultError('invalid', 'flow "user" needs userId here: the session has no authenticated caller to act for');
    return requested;
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  const socketDir = await mkdtemp(join(tmpdir(), 'toolport-workload-'));
  await chmod(socketDir, 0o711);
  const socket = join(socketDir, 'workload.sock');
  await new Promise<void>((resolve, reject) => {
    socketServer.once('error', reject);
    socketServer.listen(socket, resolve);
  });
  // Open to any user: the workload token, not the file mode, is what opens the endpoint.
  await chmod(socket, 0o666);
  return {
    url,
    socket,
    envFor(runtime): Record<string, string> {
      if (!vault.grantsRuntime(runtime)) return {};
      let token = tokens.get(runtime);
      if (!token) {
        token = randomBytes(32).toString('base64url');
        tokens.set(runtime, token);
        runtimes.set(hash(token), runtime);
      }
      return { [VAULT_URL_ENV]: url, [WORKLOAD_TOKEN_ENV]: token };
    },
    serves(credential, serving) {
      if (serving === undefined) callers.delete(hash(credential));
      else callers.set(hash(credential), serving);
    },
    async close() {
      for (const listener of [server, socketServer]) {
        listener.closeAllConnections();
        await new Promise((done) => listener.close(done));
      }
      await rm(socketDir, { recursive: true, force: true });
    },
  };
}

function validated<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  const result = schema.safeParse(value);
  if (!result.success)
    throw new VaultError(
      'invalid',
      `the request is invalid: ${result.error.issues.map((issue) => `${issue.path.join('.') || '(body)'}: ${issue.message}`).join('; ')}`,
    );
  return result.data;
}
