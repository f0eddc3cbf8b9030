// The one upstream session of an mcp target, shared by every caller: opened on first use, reopened when the upstream
// forgets it (HTTP 404, spec 2025-11-25 §session-management) or the connection closes. The SDK client negotiates the
// upstream's revision (2026-07-28 or 2025-11-25) and keeps the lists and list_changed; forwarded calls go over its
// transport (forward-call.ts).
import { Client, ProtocolError, type LoggingLevel, type Transport } from '@modelcontextprotocol/client';
import type { McpTargetSpec } from '../../../config/index.js';
import { sdkTimeoutPast, syncTimeoutMs } from '../../deadline.js';
import { TargetError } from '../types.js';
import { routeToCall, type PendingCall } from './routing.js';

/** Most pages the driver walks when listing an upstream (a guard against a cursor that never ends). */
const MAX_LIST_PAGES = 1000;

/** The shared upstream session: the SDK client (connect, lists, notifications) and the transport calls go over. */
export interface Upstream {
  /** The target's name, for messages. */
  target: string;
  /** Who the gateway is toward this upstream (initialize, and each 2026-07-28 request's envelope). */
  clientInfo: { name: string; version: string };
  client: Client;
  transport: Transport;
  /** Forwarded calls by their JSON-RPC id (strings, so they never meet the SDK client's numeric ids). */
  calls: Map<string, PendingCall>;
  /** 2025-11-25 upstreams: the lowest level the gateway asked the shared session for, once some caller wanted logs. */
  logLevel?: LoggingLevel;
  /** The `logging/setLevel` requests sent so far, in order (levels only go down, so the last one stands). */
  levelRequests: Promise<void>;
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
  // fetch says only "fetch failed"; why (refused, a link-local address) is in its cause.
  const cause = (error as { cause?: { message?: string } }).cause?.message;
  return new TargetError('unreachable', `target "${spec.name}" (${describe(spec)}) cannot be reached`, cause ? `${message}: ${cause}` : message);
}

/** The target's shared upstream session and how it is opened, used and reopened. */
export class UpstreamSession {
  private connection: Promise<Upstream> | undefined;

  constructor(
    private readonly spec: McpTargetSpec,
    private readonly clientInfo: Upstream['clientInfo'],
    private readonly openTransport: () => Promise<Transport>,
    /** The target's call timeout; connecting is bounded by the signal of the call or sync that opens the session. */
    private readonly timeoutMs: number,
    /** Called when the upstream announces that its lists changed. */
    private readonly onCatalogChange: (() => void) | undefined,
  ) {}

  /** Runs `use` on the shared session; a session the upstream forgot is reopened and the call made once more. */
  async use<T>(signal: AbortSignal, use: (upstream: Upstream) => Promise<T>): Promise<T> {
    try {
      return await use(await this.open(signal));
    } catch (error) {
      if (!isSessionGone(error) || signal.aborted) throw targetError(this.spec, error);
      await this.reset();
      try {
        return await use(await this.open(signal));
      } catch (retryError) {
        throw targetError(this.spec, retryError);
      }
    }
  }

  /** Closes the session; the next use opens a new one. */
  async reset(): Promise<void> {
    const stale = this.connection;
    this.connection = undefined;
    await stale?.then((upstream) => upstream.client.close()).catch(() => undefined);
  }

  /** The shared session, opened on first use. */
  private open(signal: AbortSignal): Promise<Upstream> {
    this.connection ??= (async () => {
      // An upstream's list_changed (a 2025 notification or a 2026 subscriptions/listen event) makes the gateway re-sync.
      const changed = { autoRefresh: false, debounceMs: 200, onChanged: () => this.onCatalogChange?.() };
      const client = new Client(this.clientInfo, {
        versionNegotiation: { mode: 'auto' },
        listMaxPages: MAX_LIST_PAGES,
        listChanged: { tools: changed, prompts: changed, resources: changed },
      });
      const transport = await this.openTransport();
      try {
        await client.connect(transport, { signal, timeout: sdkTimeoutPast(syncTimeoutMs(this.timeoutMs)) });
      } catch (error) {
        await client.close().catch(() => undefined);
        throw error;
      }
      // Forwarded calls' answers are taken off the transport before the SDK client sees them (see forward-call.ts).
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
      return { target: this.spec.name, clientInfo: this.clientInfo, client, transport, calls, levelRequests: Promise.resolve() };
    })();
    const current = this.connection;
    current.catch(() => {
      if (this.connection === current) this.connection = undefined;
    });
    return current;
  }
}
