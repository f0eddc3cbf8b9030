// The `mcp` target: another MCP server behind the gateway — a remote Streamable HTTP URL, a Toolport runtime in
// process (the runtime's in-process entry, no loopback HTTP), or a stdio command. One upstream session per target,
// shared by every caller (the caller's token is never forwarded, so nothing caller-specific rides on it), opened
// lazily and re-opened when the upstream forgets it (HTTP 404) or the process exits. The SDK client negotiates the
// upstream's revision (2026-07-28 or 2025-11-25).
import { AsyncLocalStorage } from 'node:async_hooks';
import { resolve } from 'node:path';
import {
  Client,
  ProtocolError,
  CLIENT_CAPABILITIES_META_KEY,
  CLIENT_INFO_META_KEY,
  LOG_LEVEL_META_KEY,
  PROTOCOL_VERSION_META_KEY,
  SERVER_INFO_META_KEY,
  StreamableHTTPClientTransport,
  isCallToolResult,
  isInputRequiredResult,
  type CallToolResult,
  type JSONRPCMessage,
  type LoggingLevel,
  type LoggingMessageNotificationParams,
  type Transport,
} from '@modelcontextprotocol/client';
import { StdioClientTransport, getDefaultEnvironment } from '@modelcontextprotocol/client/stdio';
import { fetch as undiciFetch, type Agent, type RequestInit as UndiciRequestInit } from 'undici';
import { resolveEnvMap, type McpTargetSpec } from '../../config/index.js';
import { PER_REQUEST_PROTOCOL_VERSION } from '../../http/index.js';
import { targetAgent } from '../addresses.js';
import { TargetError, logSeverity, type CallContext, type DriverDeps, type TargetCatalog, type TargetDriver } from './types.js';

export { mcpTargetSchema, type McpTargetSpec } from '../../config/index.js';

/** Connecting and listing are bounded by this, not by the per-call timeout (a catalog of thousands takes a while). */
const SYNC_TIMEOUT_MS = 30_000;
/**
 * How far past the call's deadline the SDK client's own request timer is set. The SDK always starts one (60 s unless
 * told otherwise); the guard's deadline (guard.ts) is the one that decides, so this one must never fire first.
 */
const SDK_BACKSTOP_MS = 1_000;
/** Most pages the driver walks when listing an upstream (a guard against a cursor that never ends). */
const MAX_LIST_PAGES = 1000;

/** Where the target lives, for messages. */
function describe(spec: McpTargetSpec): string {
  return spec.url ?? (spec.runtime ? `runtime "${spec.runtime}"` : `command "${spec.command?.join(' ')}"`);
}

/** True when the upstream said it no longer knows our session (spec 2025-11-25 §session-management: 404). */
function isSessionGone(error: unknown): boolean {
  const status = (error as { status?: number; data?: { status?: number } }).status ?? (error as { data?: { status?: number } }).data?.status;
  return status === 404;
}

/**
 * Turns what the SDK client threw into a TargetError that says which kind of failure it was. A JSON-RPC error the
 * upstream answered with is its answer to the caller's request and passes through unchanged (it is not a failure of
 * the target, so it does not count against the circuit breaker).
 */
function targetError(spec: McpTargetSpec, error: unknown): TargetError | ProtocolError {
  if (error instanceof TargetError || error instanceof ProtocolError) return error;
  const message = (error as Error).message ?? String(error);
  // fetch says only "fetch failed"; why (refused, a link-local address) is in its cause.
  const cause = (error as { cause?: { message?: string } }).cause?.message;
  return new TargetError('unreachable', `target "${spec.name}" (${describe(spec)}) cannot be reached`, cause ? `${message}: ${cause}` : message);
}

/** A forwarded `tools/call` waiting for its answer on the shared upstream session. */
interface PendingCall {
  settle(outcome: { result: Record<string, unknown> } | { error: unknown }): void;
  onProgress: CallContext['onProgress'];
  log: CallContext['log'];
}

/** The shared upstream session: the SDK client (connect, lists, notifications) and the transport calls go over. */
interface Upstream {
  client: Client;
  transport: Transport;
  /** Forwarded calls by their JSON-RPC id (strings, so they never meet the SDK client's numeric ids). */
  calls: Map<string, PendingCall>;
  /** 2025-11-25 upstreams: the lowest level the gateway asked the shared session for, once some caller wanted logs. */
  logLevel?: LoggingLevel;
  /** The `logging/setLevel` requests sent so far, in order (levels only go down, so the last one stands). */
  levelRequests: Promise<void>;
}

/**
 * The forwarded call whose response stream a message arrived on. Over Streamable HTTP an upstream sends the
 * notifications of a request on that request's own response stream (transports §sending-messages), and the SDK
 * transport reads each stream in a task started by `send`, so a call sent inside `run(id)` sees its stream's
 * messages with `id` here. Only calls whose caller asked for logs are sent that way.
 */
const callStream = new AsyncLocalStorage<string>();

/** Hands a message to the forwarded call it answers or reports progress for; false when it is not one of theirs. */
function routeToCall(calls: Map<string, PendingCall>, message: JSONRPCMessage): boolean {
  if ('method' in message) {
    if (message.method === 'notifications/message') {
      // A log message goes only to the caller whose call's stream carried it. One that cannot be tied to a call (the
      // session's standalone stream, a stdio upstream, a call whose caller set no level) goes to nobody: the upstream
      // session is shared by every caller.
      const id = callStream.getStore();
      const call = id === undefined ? undefined : calls.get(id);
      if (call?.log && message.params) call.log.forward(message.params as LoggingMessageNotificationParams);
      return true;
    }
    const params = message.params as { progressToken?: unknown; progress?: number; total?: number; message?: string } | undefined;
    const call = message.method === 'notifications/progress' && typeof params?.progressToken === 'string' ? calls.get(params.progressToken) : undefined;
    if (!call || typeof params?.progress !== 'number') return false;
    call.onProgress?.({
      progress: params.progress,
      ...(params.total === undefined ? {} : { total: params.total }),
      ...(params.message ? { message: params.message } : {}),
    });
    return true;
  }
  const call = typeof message.id === 'string' ? calls.get(message.id) : undefined;
  if (!call) return false;
  if ('error' in message) call.settle({ error: new ProtocolError(message.error.code, message.error.message, message.error.data) });
  else call.settle({ result: message.result });
  return true;
}

/** The upstream names itself in a result's `_meta` (2026-07-28); toward the caller the gateway is the server. */
function asGatewayResult<T extends { _meta?: Record<string, unknown> }>(result: T): T {
  if (!result._meta || !(SERVER_INFO_META_KEY in result._meta)) return result;
  const { [SERVER_INFO_META_KEY]: _upstream, ...meta } = result._meta;
  const { _meta: _dropped, ...rest } = result;
  return (Object.keys(meta).length ? { ...rest, _meta: meta } : rest) as T;
}

class McpTarget implements TargetDriver {
  private connection: Promise<Upstream> | undefined;
  private readonly clientInfo: { name: string; version: string };
  private lastCallId = 0;
  /** A remote URL's own connection pool, which refuses link-local and metadata addresses unless the target allows them. */
  private readonly agent: Agent | undefined;

  constructor(
    private readonly spec: McpTargetSpec,
    private readonly deps: DriverDeps,
  ) {
    this.clientInfo = { name: `toolport-gateway/${spec.name}`, version: '0.1.0' };
    if (spec.url) this.agent = targetAgent({ lookup: deps.lookup, allowLinkLocal: spec.allowLinkLocal });
  }

  private transport(): Transport {
    const { spec, deps } = this;
    if (spec.command) {
      const [command, ...args] = spec.command as [string, ...string[]];
      return new StdioClientTransport({
        command,
        args,
        env: { ...getDefaultEnvironment(), ...resolveEnvMap(spec.env) },
        cwd: resolve(deps.baseDir, spec.cwd ?? '.'),
        stderr: 'ignore',
      });
    }
    if (spec.runtime) {
      if (!deps.runtimeTransport) throw new TargetError('invalid', `target "${spec.name}": runtimes cannot be reached from here`);
      return deps.runtimeTransport(spec.runtime, deps.credentials);
    }
    const url = new URL(spec.url as string);
    const credentials = deps.credentials;
    const { agent } = this;
    // A remote URL goes through the target's guarded pool.
    const send = (input: string | URL, init?: RequestInit): Promise<Response> =>
      undiciFetch(input, { ...(init as UndiciRequestInit), dispatcher: agent }) as unknown as Promise<Response>;
    // Credentials are applied per request, so rotated tokens (OAuth client credentials) are picked up.
    const withCredentials = async (input: string | URL, init?: RequestInit): Promise<Response> => {
      if (!credentials) return send(input, init);
      const target = new URL(input);
      for (const [key, value] of Object.entries(await credentials.query())) target.searchParams.set(key, value);
      const headers = new Headers(init?.headers);
      for (const [key, value] of Object.entries(await credentials.headers())) headers.set(key, value);
      return send(target, { ...init, headers });
    };
    return new StreamableHTTPClientTransport(url, { fetch: withCredentials });
  }

  /** The shared upstream session, opened on first use. */
  private upstream(signal: AbortSignal): Promise<Upstream> {
    this.connection ??= (async () => {
      // An upstream's list_changed (a 2025 notification or a 2026 subscriptions/listen event) makes the gateway re-sync.
      const changed = { autoRefresh: false, debounceMs: 200, onChanged: () => this.deps.onCatalogChange?.() };
      const client = new Client(this.clientInfo, {
        versionNegotiation: { mode: 'auto' },
        listMaxPages: MAX_LIST_PAGES,
        listChanged: { tools: changed, prompts: changed, resources: changed },
      });
      const transport = this.transport();
      try {
        await client.connect(transport, { signal, timeout: SYNC_TIMEOUT_MS });
      } catch (error) {
        await client.close().catch(() => undefined);
        throw error;
      }
      // Forwarded calls' answers are taken off the transport before the SDK client sees them (see forwardCall).
      const calls = new Map<string, PendingCall>();
      const toClient = transport.onmessage;
      transport.onmessage = (message, extra) => {
        if (!routeToCall(calls, message)) toClient?.call(transport, message, extra);
      };
      // A stdio server that exited, or an HTTP connection the client gave up on, is reopened by the next call.
      client.onclose = () => {
        for (const call of calls.values())
          call.settle({ error: new TargetError('unreachable', `target "${this.spec.name}" closed the connection during the call`) });
        if (this.connection === current) this.connection = undefined;
      };
      return { client, transport, calls, levelRequests: Promise.resolve() };
    })();
    const current = this.connection;
    current.catch(() => {
      if (this.connection === current) this.connection = undefined;
    });
    return current;
  }

  /** Runs `use` on the shared session; a session the upstream forgot is reopened and the call made once more. */
  private async withUpstream<T>(signal: AbortSignal, use: (upstream: Upstream) => Promise<T>): Promise<T> {
    try {
      return await use(await this.upstream(signal));
    } catch (error) {
      if (!isSessionGone(error) || signal.aborted) throw targetError(this.spec, error);
      await this.reset();
      try {
        return await use(await this.upstream(signal));
      } catch (retryError) {
        throw targetError(this.spec, retryError);
      }
    }
  }

  private withClient<T>(signal: AbortSignal, use: (client: Client) => Promise<T>): Promise<T> {
    return this.withUpstream(signal, (upstream) => use(upstream.client));
  }

  private async reset(): Promise<void> {
    const stale = this.connection;
    this.connection = undefined;
    await stale?.then((upstream) => upstream.client.close()).catch(() => undefined);
  }

  async catalog(signal: AbortSignal): Promise<TargetCatalog> {
    return this.withClient(signal, async (client) => {
      const options = { signal, timeout: Math.max(this.deps.timeoutMs, SYNC_TIMEOUT_MS) };
      const capabilities = client.getServerCapabilities() ?? {};
      const { tools } = capabilities.tools ? await client.listTools(undefined, options) : { tools: [] };
      const catalog: TargetCatalog = { tools };
      if (capabilities.resources) {
        catalog.resources = (await client.listResources(undefined, options)).resources;
        catalog.resourceTemplates = (await client.listResourceTemplates(undefined, options)).resourceTemplates;
      }
      if (capabilities.prompts) catalog.prompts = (await client.listPrompts(undefined, options)).prompts;
      return catalog;
    });
  }

  /**
   * Request options for one forwarded call: the call's signal (the caller's cancellation and the guard's deadline,
   * which alone times the call out) and progress forwarding.
   */
  private options(context: CallContext): Parameters<Client['callTool']>[1] & { allowInputRequired: boolean } {
    const { onProgress } = context;
    return {
      signal: context.signal,
      timeout: this.deps.timeoutMs + SDK_BACKSTOP_MS,
      // An input_required result (SEP-2322) goes back to the caller, who holds the capabilities to answer it.
      allowInputRequired: true,
      ...(onProgress ? { onprogress: (progress: { progress: number; total?: number; message?: string }) => onProgress(progress) } : {}),
    };
  }

  /**
   * The multi-round-trip fields of a forwarded request: the caller's capabilities as the envelope (they take precedence
   * over the gateway client's own), and on a retry the caller's input responses and the echoed request state.
   */
  private inputParams(context: CallContext): Record<string, unknown> {
    const { input } = context;
    if (!input) return {};
    return {
      ...(input.clientCapabilities ? { _meta: { [CLIENT_CAPABILITIES_META_KEY]: input.clientCapabilities } } : {}),
      ...(input.inputResponses ? { inputResponses: input.inputResponses } : {}),
      ...(input.requestState !== undefined ? { requestState: input.requestState } : {}),
    };
  }

  async callTool(name: string, args: Record<string, unknown>, context: CallContext) {
    return this.withUpstream(context.signal, async (upstream) => {
      if (context.log) await this.lowerLogLevel(upstream, context.log.level);
      return asGatewayResult(await this.forwardCall(upstream, name, args, context));
    });
  }

  /**
   * A 2025-11-25 upstream has one log level for the shared session, so it is set to the lowest level any caller has
   * asked for (each caller's own level is applied as messages are forwarded). A 2026-07-28 upstream gets the caller's
   * level in each call's envelope instead. Logging is best effort: a failed `logging/setLevel` does not fail the call.
   */
  private async lowerLogLevel(upstream: Upstream, level: LoggingLevel): Promise<void> {
    const version = upstream.client.getNegotiatedProtocolVersion();
    if ((version !== undefined && version >= PER_REQUEST_PROTOCOL_VERSION) || !upstream.client.getServerCapabilities()?.logging) return;
    if (upstream.logLevel !== undefined && logSeverity(upstream.logLevel) <= logSeverity(level)) return upstream.levelRequests;
    upstream.logLevel = level;
    upstream.levelRequests = upstream.levelRequests
      .then(() => upstream.client.setLoggingLevel(level, { timeout: this.deps.timeoutMs }))
      .then(
        () => undefined,
        () => {
          if (upstream.logLevel === level) upstream.logLevel = undefined; // the next caller who wants logs tries again
        },
      );
    return upstream.levelRequests;
  }

  /**
   * Sends one `tools/call` straight over the session's transport and takes its answer off the transport: the hot
   * path skips the SDK client's request bookkeeping and result re-validation (the transport still frames, signs and
   * resumes the exchange; the result is checked for its shape here and by the caller's own client). Progress goes to
   * the caller; cancelling aborts the request (2026-07-28) or sends `notifications/cancelled` (2025-11-25).
   */
  private forwardCall(upstream: Upstream, name: string, args: Record<string, unknown>, context: CallContext): Promise<CallToolResult> {
    const id = `toolport-${++this.lastCallId}`;
    const version = upstream.client.getNegotiatedProtocolVersion();
    const modern = version !== undefined && version >= PER_REQUEST_PROTOCOL_VERSION;
    const { input, onProgress, log, signal } = context;
    const meta = {
      ...(modern
        ? { [PROTOCOL_VERSION_META_KEY]: version, [CLIENT_INFO_META_KEY]: this.clientInfo, [CLIENT_CAPABILITIES_META_KEY]: input?.clientCapabilities ?? {} }
        : {}),
      ...(modern && log ? { [LOG_LEVEL_META_KEY]: log.level } : {}),
      ...(onProgress ? { progressToken: id } : {}),
    };
    const params = {
      name,
      arguments: args,
      ...(Object.keys(meta).length > 0 ? { _meta: meta } : {}),
      ...(modern && input?.inputResponses ? { inputResponses: input.inputResponses } : {}),
      ...(modern && input?.requestState !== undefined ? { requestState: input.requestState } : {}),
    };
    return new Promise<CallToolResult>((resolve, reject) => {
      // An abort that came first would never reach the listener below.
      if (signal.aborted) return reject(signal.reason);
      const onAbort = (): void => {
        if (!upstream.calls.delete(id)) return;
        if (!modern)
          void upstream.transport
            .send({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: id, reason: 'the caller cancelled' } })
            .catch(() => undefined);
        reject(signal.reason);
      };
      upstream.calls.set(id, {
        onProgress,
        log,
        settle: (outcome) => {
          upstream.calls.delete(id);
          signal.removeEventListener('abort', onAbort);
          if ('error' in outcome) return reject(outcome.error);
          const { result } = outcome;
          if (isInputRequiredResult(result)) return resolve(result as unknown as CallToolResult);
          if (!isCallToolResult(result))
            return reject(
              new TargetError(
                'upstream',
                `target "${this.spec.name}" answered tools/call with something that is not a tool result`,
                JSON.stringify(result).slice(0, 500),
              ),
            );
          // `resultType: complete` is 2026-07-28 wire framing; the gateway's own server frames the answer for its caller.
          const { resultType: _complete, ...rest } = result as CallToolResult & { resultType?: string };
          resolve(rest);
        },
      });
      signal.addEventListener('abort', onAbort, { once: true });
      const streamEnded = (): void =>
        upstream.calls.get(id)?.settle({ error: new TargetError('unreachable', `target "${this.spec.name}" ended its response without answering`) });
      const send = (): Promise<void> =>
        upstream.transport.send({ jsonrpc: '2.0', id, method: 'tools/call', params }, { requestSignal: signal, onRequestStreamEnd: streamEnded });
      (log ? callStream.run(id, send) : send()).catch((error: unknown) => upstream.calls.get(id)?.settle({ error }));
    });
  }

  async readResource(uri: string, context: CallContext) {
    return this.withClient(context.signal, async (client) =>
      asGatewayResult(await client.readResource({ uri, ...this.inputParams(context) }, this.options(context))),
    );
  }

  async getPrompt(name: string, args: Record<string, string>, context: CallContext) {
    return this.withClient(context.signal, async (client) =>
      asGatewayResult(await client.getPrompt({ name, arguments: args, ...this.inputParams(context) }, this.options(context))),
    );
  }

  async complete(params: Parameters<NonNullable<TargetDriver['complete']>>[0], context: CallContext) {
    return this.withClient(context.signal, async (client) => asGatewayResult(await client.complete(params, this.options(context))));
  }

  async close(): Promise<void> {
    await this.reset();
    await this.agent?.close();
  }
}

/** Builds the driver of one `mcp` target. */
export function createMcpTarget(spec: McpTargetSpec, deps: DriverDeps): TargetDriver {
  return new McpTarget(spec, deps);
}
