import { hkdfSync } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { mkdir } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { ConfigError, loadConfig, type Config } from '../config/index.js';
import { ControlPlane, handleApi, runtimeRoutes, type ApiRoutes } from '../control/index.js';
import { createGateways, gatewayRoutes, type GatewayHost, type GatewayService } from '../gateway/index.js';
import { createLogger, type Logger } from '../log/index.js';
import { RuntimeHost } from '../runtime/index.js';
import { AccessKeys, Identity, InboundAuth, Vault, VAULT_CALLBACK_PATH, credentialRoutes, handleVaultCallback, identityRoutes, loadMasterKey, startWorkloadEndpoint } from '../identity/index.js';
import { openStore, runtimeArn, type Store } from '../store/index.js';
import { adminToken } from './admin-token.js';
import { rebindingGuard } from './rebinding.js';

/** How to start the platform (`toolport up`). */
export interface PlatformOptions {
  config?: string;
  host?: string;
  port?: number;
  dataDir: string;
  /** `postgres://...` or a SQLite file; default DATA_DIR/toolport.db. */
  store?: string;
  logger?: Logger;
}

/** A running platform. */
export interface Platform {
  url: string;
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

const INVOCATIONS = /^\/runtimes\/([^/]+)\/invocations\/?$/;
/** RFC 9728 §3.1: the metadata of resource `/runtimes/x/invocations` lives at this path prefix + the resource path. */
const RESOURCE_METADATA = /^\/\.well-known\/oauth-protected-resource\/runtimes\/([^/]+)\/invocations\/?$/;
const GATEWAY_MCP = /^\/gateways\/([^/]+)\/mcp\/?$/;
const GATEWAY_METADATA = /^\/\.well-known\/oauth-protected-resource\/gateways\/([^/]+)\/mcp\/?$/;

function notFound(res: ServerResponse, path: string): void {
  res.writeHead(404, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ error: { code: 'not_found', message: `nothing is served at ${path}; see GET /ping, /api, /runtimes/{name}/invocations, /gateways/{name}/mcp` } }));
}

/** Starts store, control plane, runtime host and the HTTP edge; resolves once `/ping` answers. */
export async function startPlatform(options: PlatformOptions): Promise<Platform> {
  const log = options.logger ?? createLogger();
  const dataDir = resolve(options.dataDir);
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const config = options.config ? await loadConfig(options.config) : undefined;
  const store = await openStore(options.store ?? join(dataDir, 'toolport.db'));
  const masterKey = await loadMasterKey(dataDir);
  /** The edge's URL once it listens: user-federation callbacks return there, gateways reach runtimes through it. */
  let baseUrl = '';
  const vault = new Vault(store, { masterKey, callbackUrl: () => `${baseUrl}${VAULT_CALLBACK_PATH}` });
  await vault.loadGrants();
  const accessKeys = new AccessKeys(store.sql, masterKey);
  const workload = await startWorkloadEndpoint(vault, log);
  /** One set of inbound authorizers for runtimes and gateways, so JWKS caches are shared. */
  const inboundAuth = new InboundAuth({ accessKeys, selfUrl: () => baseUrl });
  const runtimes = new RuntimeHost(store, log, {
    auth: inboundAuth,
    sessionKey: Buffer.from(hkdfSync('sha256', masterKey, '', 'toolport runtime session ids', 32)),
    workerEnv: (runtime) => workload.envFor(runtime),
    workerCaller: (runtime, pid, subject) => workload.serves(runtime, pid, subject),
  });
  const control = new ControlPlane(store, runtimes, log);
  const token = await adminToken(dataDir);
  const gateways = createGateways({ sql: store.sql, log, baseUrl: () => baseUrl, vault, auth: inboundAuth });
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
    await workload.close();
    await store.close();
  };
  try {
    // Credentials first: a runtime's first workers get the workload env only if a credential already grants it.
    if (config) await vault.applyConfig(config.credentials);
    identity = await Identity.open({ store, masterKey, log, ...(config ? { config: config.identity } : {}) });
    api.identity = identityRoutes(identity);
    if (config) await control.applyConfig(config);
    if (config) await gateways.service.applyConfig(config.gateways, dirname(resolve(options.config as string)));
  } catch (error) {
    await release();
    throw error;
  }

  const authorizationServer = identity as Identity;
  const host = options.host ?? config?.server.host ?? '127.0.0.1';
  const refused = rebindingGuard(host, config?.server.allowedHosts ?? []);
  const route = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const refusal = refused(req);
    if (refusal) {
      res.writeHead(403, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ jsonrpc: '2.0', id: null, error: { code: -32000, message: `Forbidden: ${refusal}` } }));
      return;
    }
    const url = new URL(req.url ?? '/', 'http://localhost');
    const path = url.pathname;
    if (path === '/ping' && (req.method === 'GET' || req.method === 'HEAD')) {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ status: 'Healthy' }));
      return;
    }
    if (path === '/api' || path.startsWith('/api/')) return handleApi(req, res, path, api, token);
    if (path === VAULT_CALLBACK_PATH && req.method === 'GET') return handleVaultCallback(vault, req, res, log);
    if (await authorizationServer.handle(req, res, path)) return;
    const metadataFor = RESOURCE_METADATA.exec(path);
    if (metadataFor?.[1] && req.method === 'GET') {
      const metadata = await runtimes.protectedResourceMetadata(metadataFor[1], `http://${req.headers.host ?? host}`);
      if (!metadata) return notFound(res, path);
      res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'max-age=300' }).end(JSON.stringify(metadata));
      return;
    }
    const gatewayMetadataFor = GATEWAY_METADATA.exec(path);
    if (gatewayMetadataFor?.[1] && req.method === 'GET') {
      const metadata = await gateways.host.protectedResourceMetadata(decodeURIComponent(gatewayMetadataFor[1]), `http://${req.headers.host ?? host}`);
      if (!metadata) return notFound(res, path);
      res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'max-age=300' }).end(JSON.stringify(metadata));
      return;
    }
    const gateway = GATEWAY_MCP.exec(path);
    if (gateway?.[1]) return gateways.host.handle(req, res, decodeURIComponent(gateway[1]));
    const invocation = INVOCATIONS.exec(path);
    if (invocation?.[1]) return runtimes.handle(req, res, invocation[1], url.searchParams.get('qualifier') ?? 'DEFAULT');
    notFound(res, path);
  };
  const server: Server = createServer((req, res) => {
    route(req, res).catch((error: Error) => {
      log.error('request failed', { path: req.url, error: error.stack });
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { code: 'internal', message: 'internal error; see the server log' } }));
    });
  });
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
    if (code === 'EACCES' || code === 'EADDRNOTAVAIL') throw new ConfigError(`cannot listen on ${host}:${wantedPort} (${code}): choose another --host or --port`);
    throw error;
  }
  const port = (server.address() as { port: number }).port;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  baseUrl = url;
  // The issuer URL is the edge's own, known only now.
  authorizationServer.attach(url);
  // Gateways start once the edge listens: targets that are runtimes are reached through it.
  await gateways.host.start();
  return {
    url,
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
      server.closeAllConnections();
      await new Promise((done) => server.close(done));
      await release();
    },
  };
}

/** Every endpoint a runtime is reachable at, for printing. */
export function runtimeEndpoints(baseUrl: string, name: string): { byName: string; byArn: string } {
  return {
    byName: `${baseUrl}/runtimes/${name}/invocations?qualifier=DEFAULT`,
    byArn: `${baseUrl}/runtimes/${encodeURIComponent(runtimeArn(name))}/invocations?qualifier=DEFAULT`,
  };
}
