// One tool call through the gateway: refuse unknown tools, forbidden callers and arguments that do not match the
// tool's input schema before anything reaches the target; then call it under the target's guard, and audit the call.
import { ProtocolError, type CallToolResult, type LoggingLevel, type Tool } from '@modelcontextprotocol/server';
import { AjvJsonSchemaValidator } from '@modelcontextprotocol/server/validators/ajv';
import { afterAnswersLeave } from '../http/index.js';
import type { Principal } from '../identity/index.js';
import { withRequestId, type Logger } from '../log/index.js';
import { gatewayName } from './catalog.js';
import { GatewayError, handlerError } from './errors.js';
import type { LiveGateway } from './live.js';
import type { CallRecord, GatewayStore } from './store.js';
import { TargetError, type CallContext } from './targets/types.js';

const validators = new AjvJsonSchemaValidator();
/** Compiled input-schema validators per stored tool definition (a sync replaces the objects, dropping these). */
const compiled = new WeakMap<Tool, (input: unknown) => { valid: boolean; errorMessage?: string }>();

function validate(tool: Tool, args: Record<string, unknown>): string | undefined {
  let check = compiled.get(tool);
  if (!check) {
    try {
      check = validators.getValidator(tool.inputSchema as never);
    } catch {
      // A schema the validator cannot compile is the target's to enforce.
      check = () => ({ valid: true });
    }
    compiled.set(tool, check);
  }
  const result = check(args);
  return result.valid ? undefined : result.errorMessage;
}

const TARGET_CODES = { unreachable: 'target_unavailable', timeout: 'target_timeout', upstream: 'target_error', invalid: 'invalid_arguments' } as const;

/** A driver's failure as the gateway reports it. */
function asGatewayError(error: unknown): GatewayError {
  if (error instanceof GatewayError) return error;
  if (error instanceof TargetError) return new GatewayError(TARGET_CODES[error.kind], error.message, error.detail);
  return new GatewayError('target_error', 'the target failed', (error as Error).message);
}

/** Who is calling and how to reach them mid-call. */
export interface Caller {
  principal: Principal | undefined;
  /** The client's declared name, for the audit log of open gateways. */
  clientName?: string;
  sessionId?: string;
  /** The JSON-RPC id of the caller's `tools/call` (AgentCore hands it to Lambdas). */
  messageId?: string | number;
  /** The client capabilities a 2025-11-25 caller declared in `initialize` (2026-07-28 callers send them per request). */
  capabilities?: Record<string, unknown>;
  /** The level a 2025-11-25 session asked for with `logging/setLevel` (2026-07-28 callers name it per request). */
  logLevel?: LoggingLevel;
}

/** Runs tool calls for one gateway and records each in the audit log. */
export class CallRunner {
  /** Audit records not yet handed to the store: written as one batch per event-loop turn, off the call's path. */
  private queued: CallRecord[] = [];
  /** Audit batches still being written; flush waits for them so a shutdown or a read of the log loses no record. */
  private readonly pending = new Set<Promise<void>>();

  constructor(
    private readonly store: GatewayStore,
    private readonly log: Logger,
  ) {}

  /**
   * Calls one tool for the HTTP request `ids.requestId`: a failure's error answer and log line carry that id, and the
   * call's audit record is `ids.callId` (the request's id for its first call).
   */
  async call(
    gateway: LiveGateway,
    name: string,
    args: Record<string, unknown>,
    caller: Caller,
    signal: AbortSignal,
    ids: { requestId: string; callId: string },
    extras: Pick<CallContext, 'onProgress' | 'log' | 'input'> = {},
  ): Promise<CallToolResult> {
    const { requestId, callId } = ids;
    const started = performance.now();
    const debug = gateway.row.spec.exceptionLevel === 'debug';
    let target: string | undefined;
    try {
      const result = await withRequestId(requestId, () => this.dispatch(gateway, name, args, caller, signal, callId, extras, (t) => (target = t)));
      const status = (result as { resultType?: string }).resultType === 'input_required' ? 'input_required' : result.isError ? 'tool_error' : 'ok';
      this.audit(gateway, { callId, name, target, caller, args, started, status });
      return result;
    } catch (error) {
      if (error instanceof ProtocolError) {
        // The target's own JSON-RPC answer goes back unchanged.
        this.audit(gateway, { callId, name, target, caller, args, started, status: 'target_rpc_error', error: error.message });
        throw error;
      }
      const failure = asGatewayError(error);
      const fields = { gateway: gateway.name, tool: name, requestId, ...(callId === requestId ? {} : { callId }) };
      this.log.warn('tool call failed', { ...fields, code: failure.code, error: failure.message, detail: failure.detail });
      this.audit(gateway, { callId, name, target, caller, args, started, status: failure.code, error: failure.message });
      throw handlerError(failure, requestId, debug);
    }
  }

  private async dispatch(
    gateway: LiveGateway,
    name: string,
    args: Record<string, unknown>,
    caller: Caller,
    signal: AbortSignal,
    callId: string,
    extras: Pick<CallContext, 'onProgress' | 'log' | 'input'>,
    routed: (target: string) => void,
  ): Promise<CallToolResult> {
    const allowed = (tool: string): boolean => gateway.policy.allows(tool, caller.principal);
    const { search } = gateway;
    if (search && name === search.name) {
      const problem = validate(search.definition, args);
      if (problem) throw new GatewayError('invalid_arguments', `arguments of "${name}" do not match its input schema: ${problem}`);
      return search.run(String(args.query), allowed, Object.keys(gateway.row.spec.permissions).length > 0);
    }
    const tool = gateway.catalog.tool(name);
    const route = gateway.catalog.toolRoute(name);
    const live = route && gateway.targets.get(route.target);
    if (!tool || !route || !live) throw new GatewayError('unknown_tool', `gateway "${gateway.name}" has no tool "${name}"; list them with tools/list`);
    routed(route.target);
    if (!allowed(name)) throw new GatewayError('forbidden', `you may not call "${name}": the gateway's permissions do not admit your token's scopes or claims`);
    const problem = validate(tool, args);
    if (problem) throw new GatewayError('invalid_arguments', `arguments of "${name}" do not match its input schema: ${problem}`);
    return live.guard.run(signal, (guarded) =>
      live.driver.callTool(route.name, args, {
        signal: guarded,
        gateway: gateway.name,
        target: route.target,
        // AgentCore handlers strip the prefix at the first "___": they get the whole name, never a shortened one.
        prefixedName: live.spec.prefix ? gatewayName(route.target, route.name) : route.name,
        requestId: callId,
        ...(caller.sessionId ? { sessionId: caller.sessionId } : {}),
        ...(caller.messageId !== undefined ? { mcpMessageId: caller.messageId } : {}),
        ...(extras.onProgress ? { onProgress: extras.onProgress } : {}),
        ...(extras.log ? { log: extras.log } : {}),
        ...(extras.input ? { input: extras.input } : {}),
      }),
    );
  }

  private audit(
    gateway: LiveGateway,
    call: {
      callId: string;
      name: string;
      target: string | undefined;
      caller: Caller;
      args: Record<string, unknown>;
      started: number;
      status: string;
      error?: string;
    },
  ): void {
    const { principal, clientName } = call.caller;
    const client = principal?.clientId ?? clientName;
    // The store writes synchronously: not before this turn's answers are on their way.
    if (this.queued.length === 0) afterAnswersLeave(() => this.writeQueued());
    this.queued.push({
      requestId: call.callId,
      at: new Date().toISOString(),
      gateway: gateway.name,
      ...(principal ? { subject: principal.subject } : {}),
      ...(client ? { client } : {}),
      tool: call.name,
      ...(call.target ? { target: call.target } : {}),
      status: call.status,
      latencyMs: Math.round((performance.now() - call.started) * 100) / 100,
      ...(call.error ? { error: call.error } : {}),
      ...(gateway.row.spec.audit.arguments ? { arguments: call.args } : {}),
    });
  }

  /** Hands the queued audit records to the store in one transaction. */
  private writeQueued(): void {
    const batch = this.queued;
    if (batch.length === 0) return;
    this.queued = [];
    const write = this.store
      .recordCalls(batch)
      .catch((error: Error) =>
        this.log.error('could not write the gateway audit log', {
          gateways: [...new Set(batch.map((record) => record.gateway))],
          records: batch.length,
          error: error.message,
        }),
      )
      .finally(() => this.pending.delete(write));
    this.pending.add(write);
  }

  /** Resolves once every audit record so far is stored. */
  async flush(): Promise<void> {
    this.writeQueued();
    await Promise.all([...this.pending]);
  }
}
