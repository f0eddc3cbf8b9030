// The `mcp` target: another MCP server behind the gateway — a remote Streamable HTTP URL, a Toolport runtime over
// loopback HTTP, or a stdio command. One upstream session per target, shared by every caller (the caller's token is
// never forwarded, so nothing caller-specific rides on it), opened lazily and re-opened when the upstream forgets it
// (HTTP 404) or the process exits. The SDK client negotiates the upstream's revision (2026-07-28 or 2025-11-25).
import { resolve } from 'node:path';
import {
  Client,
  ProtocolError,
  CLIENT_CAPABILITIES_META_KEY,
  SERVER_INFO_META_KEY,
  SdkError,
  SdkErrorCode,
  StreamableHTTPClientTransport,
  type Transport,
} from '@modelcontextprotocol/client';
import { StdioClientTransport, getDefaultEnvironment } from '@modelcontextprotocol/client/stdio';
import type { McpTargetSpec } from './schema.js';
import { TargetError, type CallContext, type DriverDeps, type TargetCatalog, type TargetDriver } from './types.js';

export { mcpTargetSchema, type McpTargetSpec } from './schema.js';

/** Connecting and listing are bounded by this, not by the per-call timeout (a catalog of thousands takes a while). */
const SYNC_TIMEOUT_MS = 30_000;
/** Most pages the driver walks when listing an upstream (a guard against a cursor that never ends). */
const MAX_LIST_PAGES = 1000;

/** `env:NAME` copies NAME from Toolport's own environment; unset names are left out. */
function resolveEnv(env: Record<string, string>): Record<string, string> {
  const resolved: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) {
    const fromEnv = value.startsWith('env:') ? process.env[value.slice(4)] : value;
    if (fromEnv !== undefined) resolved[key] = fromEnv;
  }
  return resolved;
}

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
  if (error instanceof SdkError && error.code === SdkErrorCode.RequestTimeout) {
    // Worded as the gateway's own deadline (guard.ts): whichever timer fires first, the caller reads the same thing.
    const { timeout } = (error.data ?? {}) as { timeout?: number };
    return new TargetError('timeout', `target "${spec.name}" did not answer ${timeout === undefined ? 'in time' : `within ${timeout} ms`}`, message);
  }
  return new TargetError('unreachable', `target "${spec.name}" (${describe(spec)}) cannot be reached`, message);
}

/** The upstream names itself in a result's `_meta` (2026-07-28); toward the caller the gateway is the server. */
function asGatewayResult<T extends { _meta?: Record<string, unknown> }>(result: T): T {
  if (!result._meta || !(SERVER_INFO_META_KEY in result._meta)) return result;
  const { [SERVER_INFO_META_KEY]: _upstream, ...meta } = result._meta;
  const { _meta: _dropped, ...rest } = result;
  return (Object.keys(meta).length ? { ...rest, _meta: meta } : rest) as T;
}

class McpTarget implements TargetDriver {
  private connection: Promise<Client> | undefined;

  constructor(
    private readonly spec: McpTargetSpec,
    private readonly deps: DriverDeps,
  ) {}

  private transport(): Transport {
    const { spec, deps } = this;
    if (spec.command) {
      const [command, ...args] = spec.command as [string, ...string[]];
      return new StdioClientTransport({
        command,
        args,
        env: { ...getDefaultEnvironment(), ...resolveEnv(spec.env) },
        cwd: resolve(deps.baseDir, spec.cwd ?? '.'),
        stderr: 'ignore',
      });
    }
    let url: URL;
    if (spec.runtime) {
      if (!deps.runtimeUrl) throw new TargetError('invalid', `target "${spec.name}": runtimes cannot be reached from here`);
      url = deps.runtimeUrl(spec.runtime);
    } else {
      url = new URL(spec.url as string);
    }
    const credentials = deps.credentials;
    // Credentials are applied per request, so rotated tokens (OAuth client credentials) are picked up.
    const withCredentials = async (input: string | URL, init?: RequestInit): Promise<Response> => {
      if (!credentials) return fetch(input, init);
      const target = new URL(input);
      for (const [key, value] of Object.entries(await credentials.query())) target.searchParams.set(key, value);
      const headers = new Headers(init?.headers);
      for (const [key, value] of Object.entries(await credentials.headers())) headers.set(key, value);
      return fetch(target, { ...init, headers });
    };
    return new StreamableHTTPClientTransport(url, { fetch: withCredentials });
  }

  /** The shared upstream session, opened on first use. */
  private client(signal: AbortSignal): Promise<Client> {
    this.connection ??= (async () => {
      // An upstream's list_changed (a 2025 notification or a 2026 subscriptions/listen event) makes the gateway re-sync.
      const changed = { autoRefresh: false, debounceMs: 200, onChanged: () => this.deps.onCatalogChange?.() };
      const client = new Client(
        { name: `toolport-gateway/${this.spec.name}`, version: '0.1.0' },
        { versionNegotiation: { mode: 'auto' }, listMaxPages: MAX_LIST_PAGES, listChanged: { tools: changed, prompts: changed, resources: changed } },
      );
      const transport = this.transport();
      try {
        await client.connect(transport, { signal, timeout: SYNC_TIMEOUT_MS });
      } catch (error) {
        await client.close().catch(() => undefined);
        throw error;
      }
      // A stdio server that exited, or an HTTP connection the client gave up on, is reopened by the next call.
      client.onclose = () => {
        if (this.connection === current) this.connection = undefined;
      };
      return client;
    })();
    const current = this.connection;
    current.catch(() => {
      if (this.connection === current) this.connection = undefined;
    });
    return current;
  }

  /** Runs `use` on the shared session; a session the upstream forgot is reopened and the call made once more. */
  private async withClient<T>(signal: AbortSignal, use: (client: Client) => Promise<T>): Promise<T> {
    try {
      return await use(await this.client(signal));
    } catch (error) {
      if (!isSessionGone(error) || signal.aborted) throw targetError(this.spec, error);
      await this.reset();
      try {
        return await use(await this.client(signal));
      } catch (retryError) {
        throw targetError(this.spec, retryError);
      }
    }
  }

  private async reset(): Promise<void> {
    const stale = this.connection;
    this.connection = undefined;
    await stale?.then((client) => client.close()).catch(() => undefined);
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

  /** Request options for one forwarded call: cancellation, timeout (reset by progress) and progress forwarding. */
  private options(context: CallContext): Parameters<Client['callTool']>[1] & { allowInputRequired: boolean } {
    const { onProgress } = context;
    return {
      signal: context.signal,
      timeout: this.deps.timeoutMs,
      // An input_required result (SEP-2322) goes back to the caller, who holds the capabilities to answer it.
      allowInputRequired: true,
      ...(onProgress ? { onprogress: (progress: { progress: number; total?: number; message?: string }) => onProgress(progress), resetTimeoutOnProgress: true } : {}),
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
    return this.withClient(context.signal, async (client) => {
      const result = await client.callTool({ name, arguments: args, ...this.inputParams(context) }, this.options(context));
      return asGatewayResult(result as Awaited<ReturnType<TargetDriver['callTool']>>);
    });
  }

  async readResource(uri: string, context: CallContext) {
    return this.withClient(context.signal, async (client) => asGatewayResult(await client.readResource({ uri, ...this.inputParams(context) }, this.options(context))));
  }

  async getPrompt(name: string, args: Record<string, string>, context: CallContext) {
    return this.withClient(context.signal, async (client) => asGatewayResult(await client.getPrompt({ name, arguments: args, ...this.inputParams(context) }, this.options(context))));
  }

  async complete(params: Parameters<NonNullable<TargetDriver['complete']>>[0], context: CallContext) {
    return this.withClient(context.signal, async (client) => asGatewayResult(await client.complete(params, this.options(context))));
  }

  async close(): Promise<void> {
    await this.reset();
  }
}

/** Builds the driver of one `mcp` target. */
export function createMcpTarget(spec: McpTargetSpec, deps: DriverDeps): TargetDriver {
  return new McpTarget(spec, deps);
}
