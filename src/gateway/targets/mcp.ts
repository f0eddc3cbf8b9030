// The `mcp` target: another MCP server behind the gateway — a remote Streamable HTTP URL, a Toolport runtime in
// process (the runtime's in-process entry, no loopback HTTP), or a stdio command (on the runtime's Worker, sandboxed
// unless the target says `isolation: process`). One upstream session per target, shared by every caller (the caller's
// token is never forwarded, so nothing caller-specific rides on it), opened lazily and re-opened when the upstream
// forgets it (HTTP 404) or the process exits. The SDK client negotiates the upstream's revision (2026-07-28 or 2025-11-25).
import { Client, CLIENT_CAPABILITIES_META_KEY, StreamableHTTPClientTransport, type Transport } from '@modelcontextprotocol/client';
import { fetch as undiciFetch, type Agent, type RequestInit as UndiciRequestInit } from 'undici';
import type { McpTargetSpec } from '../../config/index.js';
import { createLogger, type Logger } from '../../log/index.js';
import { Worker } from '../../runtime/index.js';
import { targetAgent } from '../addresses.js';
import { sdkTimeoutPast } from '../deadline.js';
import { listCatalog } from './mcp/catalog.js';
import { forwardCall } from './mcp/forward-call.js';
import { asGatewayResult } from './mcp/gateway-result.js';
import { lowerLogLevel } from './mcp/log-level.js';
import { UpstreamSession } from './mcp/upstream.js';
import { TargetError, type CallContext, type DriverDeps, type TargetCatalog, type TargetDriver } from './types.js';
import { WorkerTransport, workerSpec } from './worker.js';

export { mcpTargetSchema, type McpTargetSpec } from '../../config/index.js';

class McpTarget implements TargetDriver {
  private readonly session: UpstreamSession;
  private lastCallId = 0;
  /** A remote URL's own connection pool, which refuses link-local and metadata addresses unless the target allows them. */
  private readonly agent: Agent | undefined;
  private readonly log: Logger;

  constructor(
    private readonly spec: McpTargetSpec,
    private readonly deps: DriverDeps,
  ) {
    this.log = createLogger().child({ part: 'gateway', target: spec.name });
    if (spec.url) this.agent = targetAgent({ lookup: deps.lookup, allowLinkLocal: spec.allowLinkLocal });
    this.session = new UpstreamSession(
      spec,
      { name: `toolport-gateway/${spec.name}`, version: '0.1.0' },
      () => this.transport(),
      deps.timeoutMs,
      deps.onCatalogChange,
    );
  }

  private async transport(): Promise<Transport> {
    const { spec, deps } = this;
    if (spec.command) {
      const worker = await Worker.start(workerSpec(spec, deps.baseDir, { command: spec.command }), this.log);
      return new WorkerTransport(worker, this.log);
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

  private withClient<T>(signal: AbortSignal, use: (client: Client) => Promise<T>): Promise<T> {
    return this.session.use(signal, (upstream) => use(upstream.client));
  }

  async catalog(signal: AbortSignal): Promise<TargetCatalog> {
    return this.withClient(signal, (client) => listCatalog(client, signal, this.deps.timeoutMs));
  }

  /**
   * Request options for one forwarded call: the call's signal (the caller's cancellation and the guard's deadline,
   * which alone times the call out) and progress forwarding.
   */
  private options(context: CallContext): Parameters<Client['callTool']>[1] & { allowInputRequired: boolean } {
    const { onProgress } = context;
    return {
      signal: context.signal,
      timeout: sdkTimeoutPast(this.deps.timeoutMs),
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
    return this.session.use(context.signal, async (upstream) => {
      if (context.log) await lowerLogLevel(upstream, context.log.level, this.deps.timeoutMs);
      return asGatewayResult(await forwardCall(upstream, `toolport-${++this.lastCallId}`, name, args, context));
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
    await this.session.reset();
    await this.agent?.close();
  }
}

/** Builds the driver of one `mcp` target. */
export function createMcpTarget(spec: McpTargetSpec, deps: DriverDeps): TargetDriver {
  return new McpTarget(spec, deps);
}
