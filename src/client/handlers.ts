import type {
  Client,
  ClientCapabilities,
  CreateMessageRequestParams,
  CreateMessageResult,
  ElicitRequestFormParams,
  ElicitResult,
  Root,
} from '@modelcontextprotocol/client';

/** What a request handler gets besides the request: the signal that fires when the server or the caller gives up. */
export interface HandlerContext {
  signal: AbortSignal;
}

/** Answers a server's form-mode elicitation: its message and requested schema in, the user's answer out. */
export type ElicitationHandler = (request: ElicitRequestFormParams, context: HandlerContext) => Promise<ElicitResult>;

/** Built-in answers to an elicitation: accept with the schema's defaults (SEP-1034), decline, or cancel. */
export const ELICITATION_POLICIES = ['accept-defaults', 'decline', 'cancel'] as const;
export type ElicitationPolicy = (typeof ELICITATION_POLICIES)[number];

/** Answers a server's sampling/createMessage with a completion from the caller's model. */
export type SamplingHandler = (request: CreateMessageRequestParams, context: HandlerContext) => Promise<CreateMessageResult>;

/** The client features a server may use, each declared as a capability only when given. */
export interface ClientHandlers {
  /** Form-mode elicitation: a handler, or a built-in policy. Fields the answer leaves out get the schema's defaults. */
  elicitation?: ElicitationHandler | ElicitationPolicy;
  /** Sampling: the caller's model answers the server's createMessage. */
  sampling?: SamplingHandler;
  /** The roots (file:// URIs) offered to the server's roots/list. */
  roots?: Root[];
}

type RequestedSchema = ElicitRequestFormParams['requestedSchema'];

/** The `default` of every property of an elicitation schema that declares one (SEP-1034). */
export function schemaDefaults(schema: RequestedSchema): Record<string, unknown> {
  const defaults: Record<string, unknown> = {};
  for (const [name, property] of Object.entries(schema.properties)) {
    if ('default' in property && property.default !== undefined) defaults[name] = property.default;
  }
  return defaults;
}

/** An accepted answer completed with the schema's defaults for the fields it leaves out; other answers unchanged. */
export function withSchemaDefaults(schema: RequestedSchema, result: ElicitResult): ElicitResult {
  if (result.action !== 'accept') return result;
  return { ...result, content: { ...schemaDefaults(schema), ...result.content } as ElicitResult['content'] };
}

/** The handler a built-in policy stands for. */
function policyHandler(policy: ElicitationPolicy): ElicitationHandler {
  if (policy === 'accept-defaults')
    return async (request) => ({ action: 'accept', content: schemaDefaults(request.requestedSchema) as ElicitResult['content'] });
  return async () => ({ action: policy });
}

/**
 * Declares the capabilities of the handlers given and registers them on the client, which must not be connected yet.
 * The SDK dispatches to them both for 2025-11-25 server-to-client requests and for the input requests embedded in a
 * 2026-07-28 `input_required` result (SEP-2322), which it then retries with the answers and the echoed requestState.
 */
export function installHandlers(client: Client, handlers: ClientHandlers): void {
  const capabilities: ClientCapabilities = {
    ...(handlers.elicitation ? { elicitation: { form: {} } } : {}),
    ...(handlers.sampling ? { sampling: {} } : {}),
    ...(handlers.roots ? { roots: {} } : {}),
  };
  client.registerCapabilities(capabilities);
  const { elicitation, sampling, roots } = handlers;
  if (elicitation) {
    const answer = typeof elicitation === 'string' ? policyHandler(elicitation) : elicitation;
    client.setRequestHandler('elicitation/create', async (request, ctx) => {
      // Only form mode is declared, so the SDK refuses URL-mode requests before they get here.
      const params = request.params as ElicitRequestFormParams;
      return withSchemaDefaults(params.requestedSchema, await answer(params, { signal: ctx.mcpReq.signal }));
    });
  }
  if (sampling) client.setRequestHandler('sampling/createMessage', async (request, ctx) => sampling(request.params, { signal: ctx.mcpReq.signal }));
  if (roots) client.setRequestHandler('roots/list', async () => ({ roots }));
}

/** What to do when a tool asked for a client feature this connection did not offer (SEP-2322 input requests). */
const MISSING_FEATURE_FIX: Record<string, string> = {
  'elicitation/create':
    'the tool asks its user for input: run on a terminal to be asked, or pass --elicit accept-defaults|decline|cancel (library: the elicitation option)',
  'sampling/createMessage': "the tool asks for the client's model: connect with a sampling handler",
  'roots/list': 'the tool asks for the roots it may use: pass --root <dir> (library: the roots option)',
};

/**
 * The fix for a server's "Cannot request input … (method)" refusal — an error at 2026-07-28, a tool error at
 * 2025-11-25 (the SDK server's shim) — or undefined for any other message.
 */
export function missingFeatureFix(message: string): string | undefined {
  const method = /Cannot request input '[^']*' \((elicitation\/create|sampling\/createMessage|roots\/list)\)/.exec(message)?.[1];
  return method ? MISSING_FEATURE_FIX[method] : undefined;
}
