import {
  Client,
  InsufficientScopeError,
  ProtocolErrorCode,
  RegistrationRejectedError,
  SdkError,
  SdkErrorCode,
  SdkHttpError,
  UnauthorizedError,
  UnsupportedProtocolVersionError,
  type StreamableHTTPClientTransport,
  type FetchLike,
  type Implementation,
  type Progress,
  type Request,
  type RequestMethod,
  type RequestOptions,
  type ResultTypeMap,
  type StandardSchemaV1,
} from '@modelcontextprotocol/client';
import { PER_REQUEST_PROTOCOL_VERSION, SESSION_PROTOCOL_VERSION } from '../http/index.js';
import { resolveTarget, type TargetOptions } from './target.js';
import { authProviderFor, createCredentials, type Credentials } from './auth/credentials.js';
import { ClientAuthError, type AuthOptions } from './auth/types.js';
import { DEFAULT_RETRY, withRetries, type RetryPolicy } from './resilience.js';
import { withSessionRecovery, type SessionReplaced } from './session-recovery.js';
import { signingFetch } from './auth/sigv4-fetch.js';
import { withScopeStepUp } from './auth/step-up-fetch.js';
import { installHandlers, missingFeatureFix, type ClientHandlers } from './handlers.js';
import { AnswerAwareTransport } from './answer-transport.js';

/**
 * How to reach and authenticate to an MCP endpoint, and which client features (elicitation, sampling, roots) to
 * offer the server: each is declared as a capability only when its handler is given.
 */
export interface ConnectOptions extends TargetOptions, ClientHandlers {
  target: string;
  /** Bearer token sent as `Authorization: Bearer …` (never logged); shorthand for `auth: { mode: 'bearer', token }`. */
  token?: string;
  /** How to authenticate (default: the bearer `token` when given, else none). */
  auth?: AuthOptions;
  /** Client name shown to the server. */
  clientName?: string;
  /**
   * Per-request timeout in milliseconds. Default: none — the MCP SDK's own default would cut every request at 60 s,
   * and long tool calls are the server's to bound.
   */
  timeoutMs?: number;
  /** Receives every progress notification of requests that did not pass their own `onprogress`. */
  onProgress?: (progress: Progress) => void;
  /** Backoff for connection failures, 429 and 5xx (partial: the rest from the defaults). */
  retry?: Partial<RetryPolicy>;
  /** Told when a reaped session was replaced by a new one. */
  onSessionReplaced?: (event: SessionReplaced) => void;
  /**
   * Protocol revision: 'auto' (default) speaks 2026-07-28 with servers that do and falls back to a 2025-11-25
   * session otherwise (AgentCore today); '2025-11-25' or '2026-07-28' forces one.
   */
  protocol?: ProtocolChoice;
  /** Base fetch (tests inject); default undici with no header or body timeout. */
  fetch?: FetchLike;
}

/** The protocol revisions a caller may force, or 'auto' to negotiate. */
export const PROTOCOL_CHOICES = ['auto', SESSION_PROTOCOL_VERSION, PER_REQUEST_PROTOCOL_VERSION] as const;
export type ProtocolChoice = (typeof PROTOCOL_CHOICES)[number];

/** The SDK's negotiation mode for a choice: probe with server/discover, pin 2026-07-28, or only the 2025 handshake. */
function negotiationMode(protocol: ProtocolChoice): 'auto' | 'legacy' | { pin: string } {
  if (protocol === SESSION_PROTOCOL_VERSION) return 'legacy';
  return protocol === 'auto' ? 'auto' : { pin: protocol };
}

/** A connected MCP client and what it is connected to. */
export interface Connection {
  client: Client;
  url: URL;
  /** The credentials in use (undefined for `none` and `sigv4`). */
  credentials: Credentials | undefined;
  /** A failure of a request on this connection, as an error that names the cause and the fix. */
  explain(error: unknown): Error;
  close(): Promise<void>;
}

/** Explains an HTTP failure of the MCP endpoint with its likely fix. */
export class ConnectionError extends Error {
  constructor(
    message: string,
    /** What kind of failure it was, for callers that act on it (the CLI's exit code). */
    readonly reason: 'unauthorized' | 'unreachable' | 'missing_feature' | 'failed' = 'failed',
  ) {
    super(message);
  }
}

/** setTimeout's largest delay: the SDK needs a number, and "no limit" must not overflow into an immediate timeout. */
const NO_TIMEOUT_MS = 2 ** 31 - 1;

/** An SDK client whose requests get the connection's timeout and progress handler unless they pass their own. */
class ToolportClient extends Client {
  constructor(
    info: Implementation,
    private readonly defaults: Pick<ConnectOptions, 'timeoutMs' | 'onProgress' | 'protocol'>,
  ) {
    // 'auto' probes with server/discover: 2026-07-28 where the server speaks it, else the 2025-11-25 handshake.
    super(info, { versionNegotiation: { mode: negotiationMode(defaults.protocol ?? 'auto') } });
  }

  private withDefaults(options: RequestOptions | undefined): RequestOptions {
    const onprogress = options?.onprogress ?? this.defaults.onProgress;
    return { ...options, timeout: options?.timeout ?? this.defaults.timeoutMs ?? NO_TIMEOUT_MS, ...(onprogress ? { onprogress } : {}) };
  }

  override request<M extends RequestMethod>(request: { method: M; params?: Record<string, unknown> }, options?: RequestOptions): Promise<ResultTypeMap[M]>;
  override request<T extends StandardSchemaV1>(request: Request, resultSchema: T, options?: RequestOptions): Promise<StandardSchemaV1.InferOutput<T>>;
  override request(request: Request, schemaOrOptions?: unknown, maybeOptions?: RequestOptions): Promise<unknown> {
    const isSchema = typeof schemaOrOptions === 'object' && schemaOrOptions !== null && '~standard' in schemaOrOptions;
    if (isSchema) return super.request(request, schemaOrOptions as StandardSchemaV1, this.withDefaults(maybeOptions));
    return super.request(request as { method: RequestMethod }, this.withDefaults(schemaOrOptions as RequestOptions | undefined));
  }
}

/** The JSON-RPC error in a text that holds an HTTP error body (the body itself, or the SDK's message around it). */
function bodyError(text: string): { code?: unknown; message?: string } | undefined {
  const body = /\{.*\}/s.exec(text)?.[0];
  try {
    return body ? (JSON.parse(body) as { error?: { code?: unknown; message?: string } }).error : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Why a fetch failed, or undefined when `error` is no failed fetch. fetch throws a TypeError that says only "fetch
 * failed"; the socket's own error at the end of its cause chain has the code (ECONNREFUSED, ECONNRESET, ...). The SDK
 * may wrap it (the server/discover probe's failure has it as its cause).
 */
function fetchFailure(error: unknown): string | undefined {
  let link: unknown = error;
  for (let depth = 0; depth < 5 && link instanceof Error; depth++, link = link.cause) {
    if (!(link instanceof TypeError) || !(link.cause instanceof Error)) continue;
    let socket: Error = link.cause;
    while (socket.cause instanceof Error) socket = socket.cause;
    return (socket as { code?: unknown }).code === undefined ? socket.message : String((socket as { code?: unknown }).code);
  }
  return undefined;
}

/**
 * True when the server does not speak the revision the caller needs: it refused ours (-32022, as an error or as an
 * HTTP error's body), or, with a revision forced, the negotiation ended without an HTTP status or a network failure
 * (the server offered no such revision).
 */
function unsupportedRevision(error: unknown, body: { code?: unknown } | undefined, forced: boolean): boolean {
  if (error instanceof UnsupportedProtocolVersionError || body?.code === ProtocolErrorCode.UnsupportedProtocolVersion) return true;
  return (
    forced && error instanceof SdkError && error.code === SdkErrorCode.EraNegotiationFailed && !(error instanceof SdkHttpError) && error.cause === undefined
  );
}

/** Turns a failure into a message naming what happened and what to do (never the token itself). */
export function explain(
  url: URL,
  error: unknown,
  context: { target?: string; auth?: AuthOptions; credentials?: Credentials | undefined; protocol?: ProtocolChoice } = {},
): Error {
  if (error instanceof ClientAuthError || error instanceof ConnectionError) return error;
  // A sign-in failure inside the transport's fetch (sigv4 without credentials) reaches here wrapped by the SDK.
  const cause = (error as { cause?: unknown } | undefined)?.cause;
  if (cause instanceof ClientAuthError) return cause;
  const raw = (error as Error).message ?? String(error);
  // An HTTP error keeps the server's body in data.text (a 2025-11-25 request's message holds it too; the 2026-07-28
  // server/discover probe's says only "Version negotiation failed: …"). Both explain with the server's words.
  const text = (error as { data?: { text?: unknown } }).data?.text;
  const body = bodyError(typeof text === 'string' && text ? text : raw);
  const message = body?.message ?? (typeof text === 'string' && text ? text : raw);
  const status = (error as { data?: { status?: number }; status?: number }).data?.status ?? (error as { status?: number }).status;
  const mode = context.auth?.mode ?? 'none';
  if (status === 401 || error instanceof UnauthorizedError) {
    if (mode === 'none')
      return new ConnectionError(
        `401 from ${url.origin}: ${message} — pass --token or set TOOLPORT_TOKEN, or sign in with --auth oauth|mcp|m2m|password`,
        'unauthorized',
      );
    if (mode === 'bearer')
      return new ConnectionError(
        `401 from ${url.origin}: ${message} — the bearer token was refused (expired or for another audience): pass a fresh --token`,
        'unauthorized',
      );
    const issuer = context.credentials?.issuer ?? 'the issuer';
    return new ConnectionError(
      `401 from ${url.origin}: ${message} — a renewed token from ${issuer} was refused too: run \`toolport login ${context.target ?? url.href} --auth ${mode} ...\`, or check the endpoint's allowed clients and audiences`,
      'unauthorized',
    );
  }
  if (error instanceof RegistrationRejectedError) {
    return new ConnectionError(
      `the authorization server of ${url.origin} refused to register this client (${message}) — pass --client-id of a client registered there (and --scope)`,
      'unauthorized',
    );
  }
  if (status === 403 || error instanceof InsufficientScopeError)
    return new ConnectionError(`403 from ${url.origin}: ${message} — use a token with the scope named (--scope)`, 'unauthorized');
  if (unsupportedRevision(error, body, (context.protocol ?? 'auto') !== 'auto')) {
    return new ConnectionError(
      `${url.href}: ${message} — the server does not speak the revision forced by --protocol: leave it at auto to use the one it does`,
    );
  }
  const fix = missingFeatureFix(error);
  if (fix) return new ConnectionError(`${url.href}: ${message} — ${fix}`, 'missing_feature');
  const unreachable = fetchFailure(error);
  if (unreachable !== undefined)
    return new ConnectionError(`cannot reach ${url.origin} (${unreachable}): is the server running? (start it with: toolport up)`, 'unreachable');
  if (error instanceof SdkError && error.code === SdkErrorCode.RequestTimeout)
    return new ConnectionError(`${url.href}: no answer within ${(error.data as { timeout?: number } | undefined)?.timeout} ms — raise --timeout`);
  return new ConnectionError(`${url.href}: ${message}`);
}

/** The auth options a connect call means: explicit `auth`, else the bearer `token`, else none. */
function authOf(options: ConnectOptions): AuthOptions {
  if (options.auth) return options.auth;
  return options.token ? { mode: 'bearer', token: options.token } : { mode: 'none' };
}

/** Base fetch without undici's 300 s header/body timeouts, which would cap long calls behind the caller's back. */
async function unboundedFetch(): Promise<{ fetch: FetchLike; close(): Promise<void> }> {
  // undici loads on first use: a CLI verb that never connects does not wait for its WebAssembly parser at exit.
  const { Agent, fetch: undiciFetch } = await import('undici');
  const agent = new Agent({ headersTimeout: 0, bodyTimeout: 0 });
  return {
    fetch: ((input: string | URL, init?: RequestInit) => undiciFetch(input, { ...(init as object), dispatcher: agent })) as unknown as FetchLike,
    close: () => agent.close(),
  };
}

/**
 * Connects an MCP SDK client to a target: resolves it, authenticates as `auth` says (tokens cached and renewed),
 * retries what is safe to retry, and replaces a reaped session transparently.
 */
export async function connect(options: ConnectOptions): Promise<Connection> {
  const url = resolveTarget(options.target, options);
  const auth = authOf(options);
  const base = options.fetch ? { fetch: options.fetch, close: async () => undefined } : await unboundedFetch();
  let credentials: Credentials | undefined;
  let transport: StreamableHTTPClientTransport;
  try {
    credentials = createCredentials(auth, url);
    const signed = auth.mode === 'sigv4' ? signingFetch(base.fetch, url, auth) : base.fetch;
    const fetchFn = withScopeStepUp(
      withSessionRecovery(withRetries(signed, { ...DEFAULT_RETRY, ...options.retry }), options.onSessionReplaced),
      url,
      credentials,
    );
    transport = new AnswerAwareTransport(url, { fetch: fetchFn, ...(credentials ? { authProvider: authProviderFor(credentials) } : {}) });
  } catch (error) {
    await base.close();
    throw explain(url, error, { target: options.target, auth, credentials, protocol: options.protocol });
  }
  const client = new ToolportClient({ name: options.clientName ?? 'toolport-cli', version: '0.1.0' }, options);
  installHandlers(client, options);
  try {
    await client.connect(transport);
  } catch (error) {
    await client.close().catch(() => undefined);
    await base.close();
    throw explain(url, error, { target: options.target, auth, credentials, protocol: options.protocol });
  }
  return {
    client,
    url,
    credentials,
    explain: (error) => explain(url, error, { target: options.target, auth, credentials, protocol: options.protocol }),
    async close() {
      await transport.terminateSession().catch(() => undefined);
      await client.close();
      await base.close();
    },
  };
}
