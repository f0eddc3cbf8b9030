import {
  MissingRequiredClientCapabilityError,
  type Client,
  type ClientCapabilities,
  type CreateMessageRequestParams,
  type CreateMessageResult,
  type ElicitRequestFormParams,
  type ElicitResult,
  type Root,
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

/** What to do when a tool asked for a client feature this connection did not offer (SEP-2322 input requests), by capability. */
const MISSING_FEATURE_FIX: Record<string, string> = {
  elicitation:
    'the tool asks its user for input: run on a terminal to be asked, or pass --elicit accept-defaults|decline|cancel (library: the elicitation option)',
  sampling: "the tool asks for the client's model: connect with a sampling handler",
  roots: 'the tool asks for the roots it may use: pass --root <dir> (library: the roots option)',
};

/** The client capability each input request needs. */
const CAPABILITY_OF: Record<string, string> = { 'elicitation/create': 'elicitation', 'sampling/createMessage': 'sampling', 'roots/list': 'roots' };

/**
 * The fix for a tool that asked for a client feature this connection did not offer, or undefined for any other
 * failure. At 2026-07-28 the server refuses with a MissingRequiredClientCapabilityError naming the capability; at
 * 2025-11-25 the SDK server's shim can only say so in the tool's error text ("Cannot request input … (method)"),
 * which is then all there is to read.
 */
export function missingFeatureFix(failure: unknown): string | undefined {
  if (failure instanceof MissingRequiredClientCapabilityError) {
    return Object.keys(failure.requiredCapabilities)
      .map((capability) => MISSING_FEATURE_FIX[capability])
      .find((fix) => fix !== undefined);
  }
  if (typeof failure !== 'string') return undefined;
  const method = /Cannot request input '[^']*' \(([^)]+)\)/.exec(failure)?.[1];
  const capability = method === undefined ? undefined : CAPABILITY_OF[method];
  return capability === undefined ? undefined : MISSING_FEATURE_FIX[capability];
}
