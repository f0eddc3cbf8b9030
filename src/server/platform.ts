import { hkdfSync } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { mkdir } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { ConfigError, loadConfig, type Config } from '../config/index.js';
import { handleApi, type ApiRoutes } from '../api/index.js';
import { createGateways, gatewayRoutes, type AddressLookup, type GatewayHost, type GatewayService } from '../gateway/index.js';
import { errorAnswer, newRequestId, ToolportError } from '../errors/index.js';
import { createLogger, type Logger } from '../log/index.js';
import { sendErrorAnswer } from '../mcp/index.js';
import { ControlPlane, isolationWarning, RuntimeHost, runtimeRoutes } from '../runtime/index.js';
import { bridgeIntoSandboxes, protectFromSandboxes } from '../sandbox/index.js';
import {
  AccessKeys,
  Identity,
  InboundAuth,
  Vault,
  VAULT_CALLBACK_PATH,
  credentialRoutes,
  handleVaultCallback,
  identityRoutes,
  loadMasterKey,
  startWorkloadEndpoint,
  type ScryptCost,
} from '../identity/index.js';
import { BadPathError, DEFAULT_QUALIFIER, decodePathPart, parseEndpointPath, requestOrigin, runtimeArn, runtimeUrl } from '../http/index.js';
import { isPostgresUrl, openStore, type Store } from '../store/index.js';
import { adminToken } from './admin-token.js';
import { answerClientError } from './client-error.js';
import { lockDataDir } from './data-dir-lock.js';
import { Readiness } from './readiness.js';
import { checkExposure, isLoopback, rebindingGuard } from './rebinding.js';

/** How to start the platform (`toolport up`). */
export interface PlatformOptions {
  config?: string;
  host?: string;
  /** The URL clients reach the platform at; required for a non-loopback `host` (else `server.publicUrl`). */
  publicUrl?: string;
  port?: number;
  dataDir: string;
  /** `postgres://...` or a SQLite file; default DATA_DIR/toolport.db. */
  store?: string;
  logger?: Logger;
  /** How long a gateway request waits for its gateway's first catalog before a 503 (default 10 s). */
  catalogWaitMs?: number;
  /** DNS for gateway targets (default `dns.promises.lookup`); tests map made-up names to loopback. */
  gatewayLookup?: AddressLookup;
  /** The scrypt cost of new password hashes (default OWASP's N=2^17); tests set a cheap one to keep sign-ins fast. */
  scryptCost?: ScryptCost;
}

/** A running platform. */
export interface Platform {
  /** Where this machine reaches the edge. */
  url: string;
  /** Where clients reach it: `publicUrl` when set, else `url`; every advertised URL starts with it. */
  publicUrl: string;
  port: number;
  adminToken: string;
  store: Store;
  runtimes: RuntimeHost;
  control: ControlPlane;
  /** Identity's vault of outbound credentials. */
  vault: Vault;
  /** SigV4 access keys issued by Identity. */
  accessKeys: AccessKeys;
  gateways: GatewayHost;
  /** Gateway and target management (what `/api/gateways` serves). */
  gatewayService: GatewayService;
  /** Identity's authorization server at `{url}/identity`. */
  identity: Identity;
  config: Config | undefined;
  close(): Promise<void>;
}

/** A gateway request that finds no catalog yet waits this long for it by default. */
const CATALOG_WAIT_MS = 10_000;
/** What a 503 from a loading or draining edge tells the caller to wait before trying again, in seconds. */
const RETRY_AFTER_S = 2;

function notFound(path: string): ToolportError {
  return new ToolportError('not_found', `nothing is served at ${path}; see GET /ping, /api, /runtimes/{name}/invocations, /gateways/{name}/mcp`);
}

/**
 * The request's URL, its path checked once so that no route below meets a malformed escape. The target is read as
 * a path even when it starts with `//` (a URL parser would take what follows for a host).
 */
function requestUrl(req: IncomingMessage): URL {
  const target = req.url ?? '/';
  const url = URL.parse(target.startsWith('/') ? `http://localhost${target}` : target);
  if (!url) throw new BadPathError('the request target is not a valid URL path');
  for (const part of url.pathname.split('/')) decodePathPart(part);
  return url;
}

/**
 * Starts store, control plane, runtime host and the HTTP edge; resolves once `/ping` answers. The data directory is
 * locked for as long as the platform runs.
 */
export async function startPlatform(options: PlatformOptions): Promise<Platform> {
  const dataDir = resolve(options.dataDir);
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const lock = await lockDataDir(dataDir);
  // The master key, admin token and store are never visible to a sandboxed worker, wherever they lie.
  const unprotect = [dataDir, ...(options.store && !isPostgresUrl(options.store) ? [resolve(options.store)] : [])].map(protectFromSandboxes);
  const release = async (): Promise<void> => {
    for (const undo of unprotect) undo();
    await lock.release();
  };
  try {
    const platform = await startOnLockedDataDir(options, dataDir);
    return {
      ...platform,
      async close() {
        await platform.close();
        await release();
      },
    };
  } catch (error) {
    await release();
    throw error;
  }
}

async function startOnLockedDataDir(options: PlatformOptions, dataDir: string): Promise<Platform> {
  const log = options.logger ?? createLogger();
  const config = options.config ? await loadConfig(options.config) : undefined;
  const host = options.host ?? config?.server.host ?? '127.0.0.1';
  const allowedHosts = config?.server.allowedHosts ?? [];
  const publicUrl = (options.publicUrl ?? config?.server.publicUrl)?.replace(/\/+$/, '');
  const exposure = checkExposure(host, publicUrl, allowedHosts);
  if (exposure) throw new ConfigError(exposure);
  const advertised = publicUrl === undefined ? undefined : new URL(publicUrl);
  const store = await openStore(options.store ?? join(dataDir, 'toolport.db'));
  const masterKey = await loadMasterKey(dataDir);
  /** The edge's URL once it listens: user-federation callbacks return there; in-process runtime callers are authenticated as addressing it. */
  let baseUrl = '';
  const vault = new Vault(store, { masterKey, callbackUrl: () => `${publicUrl ?? baseUrl}${VAULT_CALLBACK_PATH}` });
  await vault.loadGrants();
  const accessKeys = new AccessKeys(store.sql, masterKey);
  const workload = await startWorkloadEndpoint(vault, log);
  const unbridge = bridgeIntoSandboxes(workload.url, workload.socket);
  /** One set of inbound authorizers for runtimes and gateways, so JWKS caches are shared. */
  const inboundAuth = new InboundAuth({ accessKeys, selfUrl: () => baseUrl });
  const runtimes = new RuntimeHost(store, log, join(dataDir, 'sessions'), {
    auth: inboundAuth,
    sessionKey: Buffer.from(hkdfSync('sha256', masterKey, '', 'toolport runtime session ids', 32)),
    workerEnv: (runtime) => workload.envFor(runtime),
    workerCaller: (credential, serving) => workload.serves(credential, serving),
    selfUrl: () => baseUrl,
  });
  const control = new ControlPlane(store, runtimes, log);
  const token = await adminToken(dataDir);
  const gateways = createGateways({
    sql: store.sql,
    log,
    runtimeTransport: (runtime, credentials) => runtimes.inProcessTransport({ runtime, ...(credentials ? { credentials } : {}) }),
    vault,
    auth: inboundAuth,
    ...(options.gatewayLookup ? { lookup: options.gatewayLookup } : {}),
  });
  const readiness = new Readiness(gateways.host, gateways.service, options.catalogWaitMs ?? CATALOG_WAIT_MS);
  /** Control-plane routes by `/api/{prefix}`; each part adds its own. */
  const api: Record<string, ApiRoutes> = {
    runtimes: runtimeRoutes(control, runtimes),
    gateways: gatewayRoutes(gateways.service),
    credentials: credentialRoutes(vault, accessKeys),
  };
  let identity: Identity | undefined;
  /** Stops workers and closes the store: on close, and when start-up fails after they exist. */
  const release = async (): Promise<void> => {
    await identity?.close();
    await gateways.host.close();
    await runtimes.close();
    unbridge();
    await workload.close();
    await store.close();
  };
  try {
    // Credentials first: a runtime's first workers get the workload env only if a credential already grants it.
    if (config) await vault.applyConfig(config.credentials);
    identity = await Identity.open({
      store,
      masterKey,
      log,
      ...(config ? { config: config.identity } : {}),
      ...(options.scryptCost ? { scryptCost: options.scryptCost } : {}),
    });
    api.identity = identityRoutes(identity);
    if (config) await control.applyConfig(config);
    if (config) await gateways.service.applyConfig(config.gateways, dirname(resolve(options.config as string)));
  } catch (error) {
    await release();
    throw error;
  }

  const authorizationServer = identity as Identity;
  const refused = rebindingGuard(advertised ? [...allowedHosts, advertised.hostname] : allowedHosts);
  /** The origin advertised URLs start with: publicUrl, else the (guarded, loopback) Host the caller addressed. */
  const advertisedBase = (req: IncomingMessage): string => publicUrl ?? requestOrigin(req, host);
  /**
   * Answers a failure of the edge through the one mapper, as `{error: {code, message, requestId}}` or as a JSON-RPC
   * error, and logs it under the same request id: a 500's stack goes to the log only, never to the caller.
   */
  const fail = (req: IncomingMessage, res: ServerResponse, thrown: unknown, requestId: string, shape: 'json' | 'json-rpc' = 'json'): void => {
    const answer = errorAnswer(thrown, requestId);
    const fields = { requestId, path: req.url, code: answer.error.code };
    // A failure nobody foresaw is an error, with its stack; a foreseen 5xx (a gateway still loading) is a warning.
    if (answer.error.code === 'internal') log.error('request failed', { ...fields, error: (thrown as Error | undefined)?.stack });
    else if (answer.status >= 500) log.warn('request failed', { ...fields, error: (thrown as Error | undefined)?.message });
    else log.info('request refused', fields);
    if (shape === 'json-rpc') return sendErrorAnswer(res, answer);
    if (res.headersSent) return void res.end();
    res.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers }).end(JSON.stringify(answer.body));
  };
  const route = async (req: IncomingMessage, res: ServerResponse, requestId: string): Promise<void> => {
    const refusal = refused(req);
    if (refusal) return fail(req, res, new ToolportError('forbidden_host', `Forbidden: ${refusal}`), requestId, 'json-rpc');
    // Behind publicUrl, what the caller wrote in Host (or X-Forwarded-*) never reaches a part: Identity (its proxy
    // mode reads X-Forwarded-Host/Proto) and every advertised URL see the public origin only. X-Forwarded-For goes
    // too: Identity's failed-login throttle counts by source address, and a caller must not choose its own.
    delete req.headers['x-forwarded-host'];
    delete req.headers['x-forwarded-proto'];
    delete req.headers['x-forwarded-for'];
    if (advertised) {
      req.headers.host = advertised.host;
      req.headers['x-forwarded-host'] = advertised.host;
      req.headers['x-forwarded-proto'] = advertised.protocol.slice(0, -1);
    }
    const url = requestUrl(req);
    const path = url.pathname;
    if (path === '/ping' && (req.method === 'GET' || req.method === 'HEAD')) {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ status: 'Healthy' }));
      return;
    }
    if (path === '/ready' && (req.method === 'GET' || req.method === 'HEAD')) {
      const { ready, loading } = await readiness.state();
      res.writeHead(ready ? 200 : 503, { 'content-type': 'application/json', ...(ready ? {} : { 'retry-after': String(RETRY_AFTER_S) }) });
      res.end(JSON.stringify({ status: ready ? 'Ready' : 'Loading', loading }));
      return;
    }
    if (path === '/api' || path.startsWith('/api/')) return handleApi(req, res, path, api, token, { requestId, log });
    if (path === VAULT_CALLBACK_PATH && req.method === 'GET') return handleVaultCallback(vault, req, res, log);
    if (await authorizationServer.handle(req, res, path)) return;
    const endpoint = parseEndpointPath(path);
    if (endpoint?.metadata && req.method === 'GET') {
      // A runtime's metadata names the resource exactly as addressed (the raw segment); a gateway's by its name.
      const metadata =
        endpoint.kind === 'runtime'
          ? await runtimes.protectedResourceMetadata(endpoint.segment, advertisedBase(req))
          : await gateways.host.protectedResourceMetadata(endpoint.ref, advertisedBase(req));
      if (!metadata) throw notFound(path);
      res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'max-age=300' }).end(JSON.stringify(metadata));
      return;
    }
    if (endpoint?.kind === 'gateway' && !endpoint.metadata) {
      const name = endpoint.ref;
      if (await readiness.gatewayReady(name)) return gateways.host.handle(req, res, name, requestId);
      const message = `gateway "${name}" is still loading its tool catalog; retry in a few seconds (GET /ready says when everything is loaded)`;
      return fail(req, res, new ToolportError('gateway_loading', message, { retryAfterSeconds: RETRY_AFTER_S }), requestId, 'json-rpc');
    }
    if (endpoint?.kind === 'runtime' && !endpoint.metadata)
      return runtimes.handle(req, res, endpoint.segment, url.searchParams.get('qualifier') ?? DEFAULT_QUALIFIER, requestId);
    throw notFound(path);
  };
  const server: Server = createServer((req, res) => {
    const requestId = newRequestId();
    route(req, res, requestId).catch((error: unknown) => fail(req, res, error, requestId));
  });
  server.on('clientError', answerClientError);
  // Long tool calls (minutes) must not be cut by Node's default request timeout.
  server.requestTimeout = 0;
  server.headersTimeout = 60_000;
  server.keepAliveTimeout = 65_000;
  const wantedPort = options.port ?? config?.server.port ?? 8080;
  try {
    await new Promise<void>((resolveListen, reject) => {
      server.once('error', reject);
      server.listen(wantedPort, host, resolveListen);
    });
  } catch (error) {
    await release();
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') throw new ConfigError(`${host}:${wantedPort} is already in use: stop the other process or pass --port`);
    if (code === 'EACCES' || code === 'EADDRNOTAVAIL')
      throw new ConfigError(`cannot listen on ${host}:${wantedPort} (${code}): choose another --host or --port`);
    throw error;
  }
  const port = (server.address() as { port: number }).port;
  // A wildcard bind is reached from this machine on loopback.
  const reachable = host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '::1' : host;
  const url = `http://${reachable.includes(':') ? `[${reachable}]` : reachable}:${port}`;
  baseUrl = url;
  // The issuer URL is the edge's own (or its public one), known only now.
  authorizationServer.attach(publicUrl ?? url);
  // Gateways start once the edge listens. Runtime targets are reached in process, but a target may still need the edge:
  // vault tokens from this platform's Identity, a runtime whose JWT authorizer discovers that issuer, a URL on this edge.
  await readiness.startGateways();
  return {
    url,
    publicUrl: publicUrl ?? url,
    port,
    adminToken: token,
    store,
    runtimes,
    control,
    vault,
    accessKeys,
    gateways: gateways.host,
    gatewayService: gateways.service,
    identity: authorizationServer,
    config,
    async close() {
      readiness.drain();
      server.closeAllConnections();
      await new Promise((done) => server.close(done));
      await release();
    },
  };
}

/** One warning per `auth: none` runtime or gateway that a non-loopback bind exposes beyond this machine. */
export async function openEndpoints(platform: Platform): Promise<string[]> {
  if (platform.url === platform.publicUrl && isLoopback(new URL(platform.url).hostname.replace(/^\[|\]$/g, ''))) return [];
  const warn = (kind: string, name: string, endpoint: string): string => `${kind} ${name} has auth: none and is open to anyone who can reach ${endpoint}`;
  const runtimes = (await platform.control.listRuntimes()).filter((runtime) => runtime.spec.auth === 'none');
  const gateways = (await platform.gatewayService.listGateways()).filter((gateway) => gateway.spec.auth === 'none');
  return [
    ...runtimes.map((runtime) => warn('runtime', runtime.name, runtimeEndpoints(platform.publicUrl, runtime.name).byName)),
    ...gateways.map((gateway) => warn('gateway', gateway.name, `${platform.publicUrl}${gateway.endpoint}`)),
  ];
}

/**
 * A warning for each runtime, and each gateway target that runs code, that opts out of the sandbox (`isolation:
 * process`, `sandbox.network: host`), for `toolport up`.
 */
export async function isolationWarnings(platform: Platform): Promise<string[]> {
  const runtimes = (await platform.control.listRuntimes()).flatMap((runtime) => isolationWarning(`runtime ${runtime.name}`, runtime.spec) ?? []);
  return [...runtimes, ...(await platform.gatewayService.isolationWarnings())];
}

/** Every endpoint a runtime is reachable at, for printing. */
export function runtimeEndpoints(baseUrl: string, name: string): { byName: string; byArn: string } {
  return {
    byName: runtimeUrl(baseUrl, name),
    byArn: runtimeUrl(baseUrl, runtimeArn(name)),
  };
}
