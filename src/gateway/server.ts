// The gateway as an MCP server: one SDK `Server` per 2025-11-25 session or per 2026-07-28 request, whose handlers
// answer lists from the stored catalog (paginated, filtered by permissions) and forward calls to targets.
import {
  CLIENT_CAPABILITIES_META_KEY,
  CLIENT_INFO_META_KEY,
  LOG_LEVEL_META_KEY,
  ProtocolError,
  Server,
  type HandlerResultTypeMap,
  type LoggingLevel,
  type RequestMethod,
  type RequestTypeMap,
  type ServerContext,
} from '@modelcontextprotocol/server';
import type { ToolportError } from '../errors/index.js';
import { withRequestId, type Logger } from '../log/index.js';
import { GatewayError, handlerError } from './errors.js';
import { InvalidCursorError, page } from './catalog.js';
import type { CallRunner, Caller } from './calls.js';
import { nextCallId, requestIdOf } from './handler-info.js';
import type { LiveGateway } from './live.js';
import { TargetError, logSeverity, type CallContext } from './targets/types.js';

/** The gateway as it names itself to callers (`initialize`, 2026-07-28 result `_meta`). */
export function gatewayServerInfo(gateway: string): { name: string; version: string } {
  return { name: `toolport-gateway-${gateway}`, version: '0.1.0' };
}

/** The failure for a prompt, resource or completion the gateway's permissions keep from this caller (as for tools). */
function forbidden(what: string): GatewayError {
  return new GatewayError('forbidden', `you may not ${what}: the gateway's permissions do not admit your token's scopes or claims`);
}

/** Forwards a target's progress to the caller when the request carried a progress token. */
function progressForwarder(ctx: ServerContext): CallContext['onProgress'] {
  const token = ctx.mcpReq._meta?.progressToken;
  if (token === undefined) return undefined;
  return (progress) => void ctx.mcpReq.notify({ method: 'notifications/progress', params: { progressToken: token, ...progress } }).catch(() => undefined);
}

/**
 * Forwards a target's log messages for this call to the caller, at or above the caller's level: 2026-07-28 names it
 * in the request's envelope, 2025-11-25 sets it per session with `logging/setLevel`. Without a level nothing is
 * forwarded (and the call does no logging work at all).
 */
function logForwarder(ctx: ServerContext, sessionLevel: LoggingLevel | undefined): CallContext['log'] {
  const level = ((ctx.mcpReq.envelope as Record<string, unknown> | undefined)?.[LOG_LEVEL_META_KEY] as LoggingLevel | undefined) ?? sessionLevel;
  if (level === undefined) return undefined;
  const threshold = logSeverity(level);
  return {
    level,
    forward: ({ level: messageLevel, logger, data }) => {
      if (logSeverity(messageLevel) < threshold) return;
      void ctx.mcpReq
        .notify({ method: 'notifications/message', params: { level: messageLevel, data, ...(typeof logger === 'string' ? { logger } : {}) } })
        .catch(() => undefined);
    },
  };
}

/** What a target needs to ask this caller for input (SEP-2322): its capabilities, and on a retry its answers. */
function inputOf(ctx: ServerContext, caller: Caller): CallContext['input'] {
  const declared = (ctx.mcpReq.envelope as Record<string, unknown> | undefined)?.[CLIENT_CAPABILITIES_META_KEY] ?? caller.capabilities;
  const state: unknown = ctx.mcpReq.requestState();
  return {
    ...(declared ? { clientCapabilities: declared as Record<string, unknown> } : {}),
    ...(ctx.mcpReq.inputResponses ? { inputResponses: ctx.mcpReq.inputResponses } : {}),
    ...(typeof state === 'string' ? { requestState: state } : {}),
  };
}

/** An input_required result goes back as the target gave it (the SDK checks it against the caller's capabilities). */
function isInputRequired(result: object): boolean {
  return (result as { resultType?: string }).resultType === 'input_required';
}

/**
 * Resource reads and prompt gets go to one target under its guard; failures become safe errors with the request's id,
 * logged under it with the target's words.
 */
async function forward<T>(
  gateway: LiveGateway,
  target: string,
  ctx: ServerContext,
  caller: Caller,
  run: (context: CallContext) => Promise<T>,
  prefixedName: string,
  logger: Logger,
): Promise<T> {
  const live = gateway.targets.get(target);
  const requestId = requestIdOf(ctx);
  const input = inputOf(ctx, caller);
  try {
    if (!live) throw new GatewayError('target_unavailable', `target "${target}" is not available`);
    return await withRequestId(requestId, () =>
      live.guard.run(ctx.mcpReq.signal, (signal) => run({ signal, gateway: gateway.name, target, prefixedName, requestId, ...(input ? { input } : {}) })),
    );
  } catch (error) {
    if (error instanceof ProtocolError) throw error; // the target's own JSON-RPC answer
    const failure =
      error instanceof GatewayError
        ? error
        : new GatewayError(
            error instanceof TargetError && error.kind === 'timeout' ? 'target_timeout' : 'target_error',
            (error as Error).message,
            (error as TargetError).detail,
          );
    logger.warn('target request failed', { gateway: gateway.name, target, method: ctx.mcpReq.method, requestId, code: failure.code, detail: failure.detail });
    throw handlerError(failure, requestId, gateway.row.spec.exceptionLevel === 'debug');
  }
}

/** Builds the MCP server a caller talks to; `caller` is fixed for its lifetime (a session or a request). */
export function createGatewayServer(gateway: LiveGateway, calls: CallRunner, caller: () => Caller, logger: Logger): Server {
  const server = new Server(gatewayServerInfo(gateway.name), {
    capabilities: { tools: { listChanged: true }, resources: {}, prompts: {}, completions: {}, logging: {} },
    ...(gateway.row.spec.description ? { instructions: gateway.row.spec.description } : {}),
  });

  /** A handler's refusal as the SDK throws it, with the request's id, which its log line carries too. */
  const refuse = (ctx: ServerContext, error: ToolportError, extra: Record<string, unknown> = {}): ProtocolError => {
    const requestId = requestIdOf(ctx);
    logger.info('gateway request refused', { gateway: gateway.name, method: ctx.mcpReq.method, requestId, code: error.code });
    return handlerError(error, requestId, false, extra);
  };

  /**
   * Registers a handler. What it throws that is no JSON-RPC answer (ours or a target's) is a failure nobody foresaw: its
   * stack goes to the log under the request id, and the caller is told `internal` with that id alone.
   */
  const handle = <M extends RequestMethod>(method: M, handler: (request: RequestTypeMap[M], ctx: ServerContext) => Promise<HandlerResultTypeMap[M]>): void => {
    server.setRequestHandler(method, async (request, ctx) => {
      try {
        return await handler(request, ctx);
      } catch (error) {
        if (error instanceof ProtocolError) throw error;
        const requestId = requestIdOf(ctx);
        logger.error('gateway request failed', { gateway: gateway.name, method, requestId, error: (error as Error | undefined)?.stack });
        throw handlerError(error, requestId, false);
      }
    });
  };

  /** One page of a list (the gateway's `pageSize` items; clients follow `nextCursor`). */
  const paged = <T>(ctx: ServerContext, items: readonly T[], cursor: string | undefined): { items: T[]; nextCursor?: string } => {
    try {
      return page(items, cursor, gateway.row.spec.pageSize);
    } catch (error) {
      if (error instanceof InvalidCursorError) throw refuse(ctx, error);
      throw error;
    }
  };

  // This server serves one 2025-11-25 session (or one 2026-07-28 request, where the SDK refuses logging/setLevel and
  // the level rides in the envelope), so the level kept with its caller is this caller's alone.
  handle('logging/setLevel', async (request) => {
    caller().logLevel = request.params.level;
    return {};
  });

  handle('tools/list', async (request, ctx) => {
    const { items, nextCursor } = paged(ctx, gateway.toolsVisibleTo(caller().principal), request.params?.cursor);
    return { tools: items, ...(nextCursor ? { nextCursor } : {}) };
  });

  handle('tools/call', async (request, ctx) => {
    const { name, arguments: args = {} } = request.params;
    const envelopeClient = ((ctx.mcpReq.envelope as Record<string, unknown> | undefined)?.[CLIENT_INFO_META_KEY] as { name?: string } | undefined)?.name;
    const base = caller();
    const who: Caller = {
      ...base,
      messageId: ctx.mcpReq.id,
      ...(ctx.sessionId ? { sessionId: ctx.sessionId } : {}),
      ...(!base.clientName && envelopeClient ? { clientName: envelopeClient } : {}),
    };
    const onProgress = progressForwarder(ctx);
    const log = logForwarder(ctx, base.logLevel);
    const input = inputOf(ctx, who);
    const result = await calls.call(
      gateway,
      name,
      args,
      who,
      ctx.mcpReq.signal,
      { requestId: requestIdOf(ctx), callId: nextCallId(ctx) },
      {
        ...(onProgress ? { onProgress } : {}),
        ...(log ? { log } : {}),
        ...(input ? { input } : {}),
      },
    );
    if (isInputRequired(result)) return result;
    const outputSchema = (gateway.search?.name === name ? gateway.search.definition : gateway.catalog.tool(name))?.outputSchema;
    return server.projectCallToolResult(result, outputSchema);
  });

  handle('resources/list', async (request, ctx) => {
    const { items, nextCursor } = paged(ctx, gateway.resourcesVisibleTo(caller().principal), request.params?.cursor);
    return { resources: items, ...(nextCursor ? { nextCursor } : {}) };
  });

  handle('resources/templates/list', async (request, ctx) => {
    const { items, nextCursor } = paged(ctx, gateway.resourceTemplatesVisibleTo(caller().principal), request.params?.cursor);
    return { resourceTemplates: items, ...(nextCursor ? { nextCursor } : {}) };
  });

  handle('resources/read', async (request, ctx) => {
    const { uri } = request.params;
    const target = gateway.catalog.resourceTarget(uri);
    const driver = target ? gateway.targets.get(target)?.driver : undefined;
    if (!target || !driver?.readResource)
      throw refuse(ctx, new GatewayError('unknown_resource', `no target of gateway "${gateway.name}" serves resource ${uri}`), { uri });
    if (!gateway.policy.allowsResource(target, uri, caller().principal)) throw refuse(ctx, forbidden(`read resource ${uri}`));
    return forward(gateway, target, ctx, caller(), (context) => driver.readResource!(uri, context), uri, logger);
  });

  handle('prompts/list', async (request, ctx) => {
    const { items, nextCursor } = paged(ctx, gateway.promptsVisibleTo(caller().principal), request.params?.cursor);
    return { prompts: items, ...(nextCursor ? { nextCursor } : {}) };
  });

  handle('prompts/get', async (request, ctx) => {
    const { name, arguments: args = {} } = request.params;
    const route = gateway.catalog.promptRoute(name);
    const driver = route ? gateway.targets.get(route.target)?.driver : undefined;
    if (!route || !driver?.getPrompt)
      throw refuse(ctx, new GatewayError('unknown_prompt', `gateway "${gateway.name}" has no prompt "${name}"; list them with prompts/list`));
    if (!gateway.policy.allows(name, caller().principal)) throw refuse(ctx, forbidden(`get prompt "${name}"`));
    return forward(gateway, route.target, ctx, caller(), (context) => driver.getPrompt!(route.name, args, context), name, logger);
  });

  handle('completion/complete', async (request, ctx) => {
    const { ref } = request.params;
    const template = ref.type === 'ref/prompt' ? undefined : gateway.catalog.templateTarget(ref.uri);
    const route = ref.type === 'ref/prompt' ? gateway.catalog.promptRoute(ref.name) : template ? { target: template, name: ref.uri } : undefined;
    const driver = route ? gateway.targets.get(route.target)?.driver : undefined;
    if (!route || !driver?.complete)
      throw refuse(
        ctx,
        new GatewayError(
          ref.type === 'ref/prompt' ? 'unknown_prompt' : 'unknown_resource',
          `nothing on gateway "${gateway.name}" completes ${ref.type === 'ref/prompt' ? ref.name : ref.uri}`,
        ),
      );
    const { principal } = caller();
    if (ref.type === 'ref/prompt' ? !gateway.policy.allows(ref.name, principal) : !gateway.policy.allowsResource(route.target, ref.uri, principal)) {
      throw refuse(ctx, forbidden(`complete ${ref.type === 'ref/prompt' ? `prompt "${ref.name}"` : ref.uri}`));
    }
    const upstreamRef = ref.type === 'ref/prompt' ? { ...ref, name: route.name } : ref;
    return forward(gateway, route.target, ctx, caller(), (context) => driver.complete!({ ...request.params, ref: upstreamRef }, context), route.name, logger);
  });

  return server;
}
