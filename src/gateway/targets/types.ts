import type {
  CallToolResult,
  CompleteRequestParams,
  CompleteResult,
  GetPromptResult,
  LoggingLevel,
  LoggingMessageNotificationParams,
  Prompt,
  ReadResourceResult,
  Resource,
  ResourceTemplateType as ResourceTemplate,
  Tool,
  Transport,
} from '@modelcontextprotocol/server';
import type { OutboundCredentials } from '../../identity/index.js';
import type { AddressLookup } from '../addresses.js';

export type { OutboundCredentials };

/** What a target offers, as its own (unprefixed) names; the gateway prefixes `{target}___` and stores it. */
export interface TargetCatalog {
  tools: Tool[];
  resources?: Resource[];
  resourceTemplates?: ResourceTemplate[];
  prompts?: Prompt[];
  /** Stored catalogs only: the upstream name of every tool or prompt name the gateway shortened (gateway → upstream). */
  shortened?: Record<string, string>;
}

/** Per-call facts a driver may pass on (AgentCore's Lambda context carries them) and the hooks it must honour. */
export interface CallContext {
  /** Aborted on client cancellation, per-target timeout or gateway shutdown; drivers stop work and reject. */
  signal: AbortSignal;
  gateway: string;
  target: string;
  /** The tool's unshortened gateway name, `{target}___{tool}` (its own name on an unprefixed target). */
  prefixedName: string;
  /** The gateway's request id, shown to the caller in errors and kept in the audit log. */
  requestId: string;
  sessionId?: string;
  /** The JSON-RPC id of the caller's `tools/call` (AgentCore passes it to Lambdas as `bedrockAgentCoreMcpMessageId`). */
  mcpMessageId?: string | number;
  /** Forwards `notifications/progress` to the caller when it asked for progress. */
  onProgress?: (progress: { progress: number; total?: number; message?: string }) => void;
  /**
   * Set only when the caller asked for log messages (2025-11-25 `logging/setLevel`, 2026-07-28 the envelope's log
   * level): drivers ask the upstream for `level` and hand `forward` the messages the upstream sent for this call.
   */
  log?: CallLog;
  /**
   * Multi-round-trip input (2026-07-28, SEP-2322) for targets that can ask the caller for input: the caller's
   * declared client capabilities, and on a retry the caller's `inputResponses` and the target's echoed `requestState`.
   */
  input?: { clientCapabilities?: Record<string, unknown>; inputResponses?: Record<string, unknown>; requestState?: string };
}

/** A caller's log level and where its call's log messages go (the caller's own stream, filtered at `level`). */
export interface CallLog {
  level: LoggingLevel;
  forward(message: LoggingMessageNotificationParams): void;
}

/** Log levels from least to most severe (spec 2025-11-25 server/utilities/logging; RFC 5424 severities). */
const LOG_LEVELS: readonly LoggingLevel[] = ['debug', 'info', 'notice', 'warning', 'error', 'critical', 'alert', 'emergency'];

/** The rank of a log level (higher is more severe); -1 for anything that is not one. */
export function logSeverity(level: unknown): number {
  return LOG_LEVELS.indexOf(level as LoggingLevel);
}

/** One target as the gateway drives it; created from the target's spec by the driver's factory. */
export interface TargetDriver {
  /** Fetches the live catalog (used at sync; `tools/list` is served from the stored copy). */
  catalog(signal: AbortSignal): Promise<TargetCatalog>;
  /** Calls one tool by its unprefixed name. A tool's own failure is a result with `isError`, not a rejection. */
  callTool(name: string, args: Record<string, unknown>, context: CallContext): Promise<CallToolResult>;
  readResource?(uri: string, context: CallContext): Promise<ReadResourceResult>;
  getPrompt?(name: string, args: Record<string, string>, context: CallContext): Promise<GetPromptResult>;
  /** Argument completion for one of the target's prompts (by its own name) or resource templates. */
  complete?(params: CompleteRequestParams, context: CallContext): Promise<CompleteResult>;
  /** Releases processes, sockets and upstream sessions. */
  close(): Promise<void>;
}

/** Why a target could not answer; the gateway maps it to a safe message (details only with `exceptionLevel: debug`). */
export type TargetErrorKind = 'unreachable' | 'timeout' | 'upstream' | 'invalid';

/**
 * A driver's failure. Not a ToolportError: no caller ever sees one as is; the gateway turns its kind into a
 * GatewayError code (calls.ts) and that is what the one mapper answers with.
 */
export class TargetError extends Error {
  constructor(
    readonly kind: TargetErrorKind,
    message: string,
    /** The upstream's own words (status line, body excerpt, stderr tail): shown only at `exceptionLevel: debug`. */
    readonly detail?: string,
  ) {
    super(message);
  }
}

/** Opens an in-process MCP transport to a runtime of this platform (the runtime part's in-process entry). */
export type RuntimeTransportFactory = (runtime: string, credentials: OutboundCredentials | undefined) => Transport;

/** What every driver factory receives besides its spec. */
export interface DriverDeps {
  /** Relative file paths in a spec resolve against this (the config file's folder, or the cwd for API-made targets). */
  baseDir: string;
  credentials?: OutboundCredentials;
  /** Per-call timeout in ms (the gateway also aborts `signal` at this point). */
  timeoutMs: number;
  /**
   * An in-process MCP transport to a Toolport runtime by name (mcp targets with `runtime:`), authenticated with the
   * target's credentials as an HTTP request would be.
   */
  runtimeTransport?: RuntimeTransportFactory;
  /** Drivers whose upstream announces list changes call this; the gateway then re-syncs the target. */
  onCatalogChange?: () => void;
  /** DNS for outbound connections (default `dns.promises.lookup`); tests map made-up names to loopback. */
  lookup?: AddressLookup;
}
