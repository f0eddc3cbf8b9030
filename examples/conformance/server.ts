/**
 * Conformance fixture server: every tool, resource, prompt and hook the official
 * `@modelcontextprotocol/conformance` server scenarios exercise, for protocol
 * revisions 2025-11-25 (stateful initialize handshake) and 2026-07-28 (stateless,
 * per-request `_meta` envelope).
 *
 * Two ways to run it:
 *  - stdio (default): `node --import tsx examples/conformance/server.ts` — how Toolport's
 *    runtime hosts it, one child process per session; `serveStdio` picks the era from the
 *    opening message.
 *  - Streamable HTTP: `... server.ts --http --port N` — serves http://127.0.0.1:N/mcp so the
 *    suite can be pointed at it directly. 2026-07-28 traffic goes to `createMcpHandler`;
 *    2025-era traffic goes to per-session stateful transports (sessions, GET SSE stream,
 *    DELETE, resumability), which the 2025-11-25 scenarios need.
 *
 * Handlers are written once for both eras: server→client input (sampling, elicitation,
 * roots) is requested by returning `inputRequired(...)` (multi-round-trip, SEP-2322). On the
 * 2026-07-28 wire the client fulfils it and retries; on a 2025 connection the SDK's legacy
 * shim turns it into real server→client requests and re-enters the handler.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server as HttpServer, type ServerResponse } from 'node:http';
import { pathToFileURL } from 'node:url';

import {
  CLIENT_CAPABILITIES_META_KEY,
  McpServer,
  ResourceTemplate,
  WebStandardStreamableHTTPServerTransport,
  completable,
  createMcpHandler,
  createRequestStateCodec,
  fromJsonSchema,
  hostHeaderValidationResponse,
  inputRequired,
  inputResponse,
  isLegacyRequest,
  localhostAllowedHostnames,
  localhostAllowedOrigins,
  originValidationResponse,
  type CallToolResult,
  type ClientCapabilities,
  type EventId,
  type EventStore,
  type InputRequest,
  type JSONRPCMessage,
  type McpHttpHandler,
  type ServerContext,
  type StreamId,
} from '@modelcontextprotocol/server';
import { serveStdio } from '@modelcontextprotocol/server/stdio';
import * as z from 'zod';

import { BodyTooLargeError, readBody, sendFetchResponse, toFetchRequest } from '../../src/http/index.js';

/** 1×1 PNG, the image payload the scenarios only check for presence and mime type. */
const PNG_BASE64 = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==';
/** Minimal WAV header, the audio payload for `test_audio_content`. */
const WAV_BASE64 = 'UklGRiYAAABXQVZFZm10IBAAAAABAAEAQB8AAAB9AAACABAAZGF0YQIAAAA=';

/**
 * Tool input schema exercising JSON Schema 2020-12 keywords (SEP-1613) and the broader
 * SEP-2106 vocabulary; passed through `fromJsonSchema` so `tools/list` emits it verbatim.
 */
const JSON_SCHEMA_2020_12 = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  type: 'object',
  $defs: {
    address: {
      $anchor: 'addressDef',
      type: 'object',
      properties: { street: { type: 'string' }, city: { type: 'string' } },
    },
  },
  properties: {
    name: { type: 'string' },
    address: { $ref: '#/$defs/address' },
    contactMethod: { type: 'string', enum: ['phone', 'email'] },
    phone: { type: 'string' },
    email: { type: 'string' },
  },
  allOf: [{ anyOf: [{ required: ['phone'] }, { required: ['email'] }] }],
  if: { properties: { contactMethod: { const: 'phone' } }, required: ['contactMethod'] },
  then: { required: ['phone'] },
  else: { required: ['email'] },
  additionalProperties: false,
} as const;

/** Input schema whose `region` property is mirrored into the `Mcp-Param-Region` HTTP header (SEP-2243). */
const REGION_HEADER_SCHEMA = {
  type: 'object' as const,
  properties: { region: { type: 'string' as const, description: 'Deployment region', 'x-mcp-header': 'Region' } },
  required: ['region'],
};

/** Payload sealed into `requestState`; the step tells a multi-round handler where it is. */
interface FlowState {
  tool: string;
  step: number;
  name?: string;
}

/**
 * HMAC codec for `requestState` (SEP-2322: state that drives business logic MUST be
 * integrity-protected).
 */
// Every replica of a stateless server must verify state minted by another (Toolport's runtime may serve each
// 2026-07-28 request from a fresh worker), so the key comes from the environment when one is given.
const stateKey = process.env.CONFORMANCE_STATE_KEY ? Buffer.from(process.env.CONFORMANCE_STATE_KEY, 'base64') : randomBytes(32);
const stateCodec = createRequestStateCodec<FlowState>({ key: stateKey, ttlSeconds: 600 });

/**
 * Shared, process-wide fixture state: which optional tool/prompt the `test_trigger_*` hooks
 * have toggled, and who to tell. Per-request (2026-07-28 HTTP) instances read it at
 * construction; long-lived instances (stdio, 2025 HTTP sessions) register a listener so
 * their lists change in place and they announce it themselves.
 */
export class FixtureState {
  dynamicToolEnabled = false;
  dynamicPromptEnabled = false;
  private readonly listeners = new Set<(what: 'tools' | 'prompts') => void>();
  /** Called after a toggle, e.g. to publish on the modern handler's listen bus. */
  onChange?: (what: 'tools' | 'prompts') => void;

  /** Registers a listener for toggles; returns its unsubscribe function. */
  subscribe(listener: (what: 'tools' | 'prompts') => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Flips the optional tool or prompt and notifies every listener. */
  toggle(what: 'tools' | 'prompts'): void {
    if (what === 'tools') this.dynamicToolEnabled = !this.dynamicToolEnabled;
    else this.dynamicPromptEnabled = !this.dynamicPromptEnabled;
    for (const listener of this.listeners) listener(what);
    this.onChange?.(what);
  }
}

/** Options for {@link createConformanceServer}. */
export interface ConformanceServerOptions {
  /** Process-wide state shared by every instance the factory builds. */
  state: FixtureState;
  /**
   * Whether the instance lives for a whole connection (stdio, 2025 HTTP session) rather
   * than one request; only those subscribe to state changes, so per-request instances
   * cannot leak listeners.
   */
  longLived: boolean;
}

/** The client capabilities that apply to this request: the 2026 envelope, else the initialize-time ones. */
function declaredCapabilities(server: McpServer, ctx: ServerContext): ClientCapabilities {
  const envelope = ctx.mcpReq.envelope as Record<string, unknown> | undefined;
  const fromEnvelope = envelope?.[CLIENT_CAPABILITIES_META_KEY];
  if (fromEnvelope && typeof fromEnvelope === 'object') return fromEnvelope as ClientCapabilities;
  // Deprecated accessor, but it is exactly the initialize-declared view a 2025 connection has.
  return server.server.getClientCapabilities() ?? {};
}

/** A plain text tool result. */
function text(value: string): CallToolResult {
  return { content: [{ type: 'text', text: value }] };
}

/** Reads the verified requestState for this round, if it belongs to `tool`. */
function stateFor(ctx: ServerContext, tool: string): FlowState | undefined {
  const state = ctx.mcpReq.requestState<FlowState>();
  return state && typeof state === 'object' && state.tool === tool ? state : undefined;
}

/** Elicitation request asking for a single string or boolean field. */
function elicitField(message: string, field: string, type: 'string' | 'boolean' = 'string'): InputRequest {
  const property = type === 'string' ? { type: 'string' as const } : { type: 'boolean' as const };
  return inputRequired.elicit({
    message,
    requestedSchema: { type: 'object', properties: { [field]: property }, required: [field] },
  });
}

/** Text of a sampling response, tolerant of single-block and array content. */
function samplingText(view: ReturnType<typeof inputResponse>): string | undefined {
  if (view.kind !== 'sampling') return undefined;
  const content = view.result.content as unknown;
  const blocks = Array.isArray(content) ? content : [content];
  for (const block of blocks) {
    if (block && typeof block === 'object' && (block as { type?: unknown }).type === 'text') {
      return String((block as { text?: unknown }).text ?? '');
    }
  }
  return undefined;
}

/**
 * Builds one fully registered fixture server. Used as the factory for every serving path,
 * so the 2025 and 2026 eras (and stdio vs HTTP) can never drift apart.
 */
export function createConformanceServer(options: ConformanceServerOptions): McpServer {
  const { state } = options;
  const server = new McpServer(
    { name: 'toolport-conformance-server', version: '1.0.0' },
    {
      capabilities: {
        tools: { listChanged: true },
        resources: { subscribe: true, listChanged: true },
        prompts: { listChanged: true },
        logging: {},
        completions: {},
      },
      requestState: { verify: (wire, ctx) => stateCodec.verify(wire, ctx) },
    },
  );

  registerTools(server, state);
  registerMrtrTools(server);
  registerResources(server);
  registerPrompts(server);

  // Optional entries the `test_trigger_*` hooks toggle, to provoke list_changed (SEP-2575 §listen).
  const dynamicTool = server.registerTool('test_dynamic_tool', { description: 'Appears and disappears when test_trigger_tool_change is called' }, async () =>
    text('dynamic tool'),
  );
  const dynamicPrompt = server.registerPrompt(
    'test_dynamic_prompt',
    { description: 'Appears and disappears when test_trigger_prompt_change is called' },
    async () => ({ messages: [{ role: 'user', content: { type: 'text', text: 'dynamic prompt' } }] }),
  );
  if (!state.dynamicToolEnabled) dynamicTool.disable();
  if (!state.dynamicPromptEnabled) dynamicPrompt.disable();

  if (options.longLived) {
    // enable()/disable() make a connected McpServer emit the matching list_changed itself;
    // on stdio the SDK routes it onto open subscriptions/listen streams.
    const unsubscribe = state.subscribe((what) => {
      if (what === 'tools') {
        if (state.dynamicToolEnabled) dynamicTool.enable();
        else dynamicTool.disable();
      } else if (state.dynamicPromptEnabled) dynamicPrompt.enable();
      else dynamicPrompt.disable();
    });
    const previous = server.server.onclose;
    server.server.onclose = () => {
      unsubscribe();
      previous?.();
    };
  }

  // resources/subscribe and unsubscribe are 2025-era methods (removed in 2026-07-28, where
  // subscriptions/listen replaces them); the SDK gates them per era.
  const subscriptions = new Set<string>();
  server.server.setRequestHandler('resources/subscribe', async (request) => {
    subscriptions.add(request.params.uri);
    return {};
  });
  server.server.setRequestHandler('resources/unsubscribe', async (request) => {
    subscriptions.delete(request.params.uri);
    return {};
  });

  return server;
}

/** Content, logging, progress, error, sampling/elicitation and diagnostic tools. */
function registerTools(server: McpServer, state: FixtureState): void {
  server.registerTool('test_simple_text', { description: 'Tests simple text content response' }, async () =>
    text('This is a simple text response for testing.'),
  );

  server.registerTool('test_image_content', { description: 'Tests image content response' }, async () => ({
    content: [{ type: 'image', data: PNG_BASE64, mimeType: 'image/png' }],
  }));

  server.registerTool('test_audio_content', { description: 'Tests audio content response' }, async () => ({
    content: [{ type: 'audio', data: WAV_BASE64, mimeType: 'audio/wav' }],
  }));

  server.registerTool('test_embedded_resource', { description: 'Tests embedded resource content response' }, async () => ({
    content: [
      {
        type: 'resource',
        resource: { uri: 'test://embedded-resource', mimeType: 'text/plain', text: 'This is an embedded resource content.' },
      },
    ],
  }));

  server.registerTool('test_multiple_content_types', { description: 'Tests response with multiple content types (text, image, resource)' }, async () => ({
    content: [
      { type: 'text', text: 'Multiple content types test:' },
      { type: 'image', data: PNG_BASE64, mimeType: 'image/png' },
      {
        type: 'resource',
        resource: {
          uri: 'test://mixed-content-resource',
          mimeType: 'application/json',
          text: JSON.stringify({ test: 'data', value: 123 }),
        },
      },
    ],
  }));

  // ctx.mcpReq.log honours logging/setLevel on 2025 connections and, on 2026-07-28, sends
  // nothing unless the request's envelope carries a logLevel (SEP-2575).
  const loggingTool = async (_args: Record<string, never>, ctx: ServerContext): Promise<CallToolResult> => {
    await ctx.mcpReq.log('info', 'Tool execution started');
    await sleep(50);
    await ctx.mcpReq.log('info', 'Tool processing data');
    await sleep(50);
    await ctx.mcpReq.log('info', 'Tool execution completed');
    return text('Tool with logging executed successfully');
  };
  server.registerTool('test_tool_with_logging', { description: 'Tests tool that emits log messages during execution', inputSchema: z.object({}) }, loggingTool);
  server.registerTool(
    'test_logging_tool',
    { description: 'Emits log messages only when the request asked for a log level', inputSchema: z.object({}) },
    loggingTool,
  );

  server.registerTool(
    'test_tool_with_progress',
    { description: 'Tests tool that reports progress notifications', inputSchema: z.object({}) },
    async (_args, ctx) => {
      const progressToken = ctx.mcpReq._meta?.progressToken;
      for (const progress of [0, 50, 100]) {
        if (progressToken !== undefined) {
          await ctx.mcpReq.notify({
            method: 'notifications/progress',
            params: { progressToken, progress, total: 100, message: `Completed step ${progress} of 100` },
          });
        }
        if (progress < 100) await sleep(50);
      }
      return text(String(progressToken ?? 'no progress token'));
    },
  );

  server.registerTool('test_error_handling', { description: 'Tests error response handling' }, async () => {
    // The SDK reports a thrown tool error as a result with isError: true (spec: tools, error handling).
    throw new Error('This tool intentionally returns an error for testing');
  });

  server.registerTool(
    'test_reconnection',
    {
      description: 'Closes the SSE stream mid-call so the client must reconnect with Last-Event-ID (SEP-1699)',
      inputSchema: z.object({}),
    },
    async (_args, ctx) => {
      ctx.http?.closeSSE?.();
      await sleep(100);
      return text('Reconnection test completed successfully. If you received this, the client properly reconnected after stream closure.');
    },
  );

  server.registerTool(
    'test_sampling',
    {
      description: 'Tests server-initiated sampling (LLM completion request)',
      inputSchema: z.object({ prompt: z.string().describe('The prompt to send to the LLM') }),
    },
    async ({ prompt }, ctx) => {
      const answer = samplingText(inputResponse(ctx.mcpReq.inputResponses, 'sampling'));
      if (answer !== undefined) return text(`LLM response: ${answer}`);
      return inputRequired({
        inputRequests: {
          sampling: inputRequired.createMessage({
            messages: [{ role: 'user', content: { type: 'text', text: prompt } }],
            maxTokens: 100,
          }),
        },
      });
    },
  );

  server.registerTool(
    'test_elicitation',
    {
      description: 'Tests server-initiated elicitation (user input request)',
      inputSchema: z.object({ message: z.string().describe('The message to show the user') }),
    },
    async ({ message }, ctx) => {
      const view = inputResponse(ctx.mcpReq.inputResponses, 'user_input');
      if (view.kind === 'elicit') {
        return text(`User response: action=${view.action}, content=${JSON.stringify(view.content ?? {})}`);
      }
      return inputRequired({
        inputRequests: {
          user_input: inputRequired.elicit({
            message,
            requestedSchema: {
              type: 'object',
              properties: {
                username: { type: 'string', description: "User's response" },
                email: { type: 'string', description: "User's email address" },
              },
              required: ['username', 'email'],
            },
          }),
        },
      });
    },
  );

  server.registerTool(
    'test_elicitation_sep1034_defaults',
    { description: 'Tests elicitation with default values per SEP-1034', inputSchema: z.object({}) },
    async (_args, ctx) => {
      const view = inputResponse(ctx.mcpReq.inputResponses, 'defaults');
      if (view.kind === 'elicit') {
        return text(`Elicitation completed: action=${view.action}, content=${JSON.stringify(view.content ?? {})}`);
      }
      return inputRequired({
        inputRequests: {
          defaults: inputRequired.elicit({
            message: 'Please review and update the form fields with defaults',
            requestedSchema: {
              type: 'object',
              properties: {
                name: { type: 'string', description: 'User name', default: 'John Doe' },
                age: { type: 'integer', description: 'User age', default: 30 },
                score: { type: 'number', description: 'User score', default: 95.5 },
                status: {
                  type: 'string',
                  description: 'User status',
                  enum: ['active', 'inactive', 'pending'],
                  default: 'active',
                },
                verified: { type: 'boolean', description: 'Verification status', default: true },
              },
              required: [],
            },
          }),
        },
      });
    },
  );

  server.registerTool(
    'test_elicitation_sep1330_enums',
    { description: 'Tests elicitation with enum schema improvements per SEP-1330', inputSchema: z.object({}) },
    async (_args, ctx) => {
      const view = inputResponse(ctx.mcpReq.inputResponses, 'enums');
      if (view.kind === 'elicit') {
        return text(`Elicitation completed: action=${view.action}, content=${JSON.stringify(view.content ?? {})}`);
      }
      return inputRequired({
        inputRequests: {
          enums: inputRequired.elicit({
            message: 'Please select options from the enum fields',
            requestedSchema: {
              type: 'object',
              properties: {
                untitledSingle: { type: 'string', description: 'Select one option', enum: ['option1', 'option2', 'option3'] },
                titledSingle: {
                  type: 'string',
                  description: 'Select one option with titles',
                  oneOf: [
                    { const: 'value1', title: 'First Option' },
                    { const: 'value2', title: 'Second Option' },
                    { const: 'value3', title: 'Third Option' },
                  ],
                },
                legacyEnum: {
                  type: 'string',
                  description: 'Select one option (legacy)',
                  enum: ['opt1', 'opt2', 'opt3'],
                  enumNames: ['Option One', 'Option Two', 'Option Three'],
                },
                untitledMulti: {
                  type: 'array',
                  description: 'Select multiple options',
                  items: { type: 'string', enum: ['option1', 'option2', 'option3'] },
                },
                titledMulti: {
                  type: 'array',
                  description: 'Select multiple options with titles',
                  items: {
                    anyOf: [
                      { const: 'value1', title: 'First Choice' },
                      { const: 'value2', title: 'Second Choice' },
                      { const: 'value3', title: 'Third Choice' },
                    ],
                  },
                },
              },
              required: [],
            },
          }),
        },
      });
    },
  );

  server.registerTool(
    'json_schema_2020_12_tool',
    { description: 'Tool with JSON Schema 2020-12 features', inputSchema: fromJsonSchema<Record<string, unknown>>(JSON_SCHEMA_2020_12) },
    async (args) => text(`Received: ${JSON.stringify(args)}`),
  );

  // SEP-2243: a parameter mirrored into an `Mcp-Param-Region` header, which the SDK's HTTP
  // entry validates against the body (Base64 `=?base64?...?=` decoding, mismatch → -32020).
  server.registerTool(
    'test_custom_header_param',
    {
      description: 'Echoes a parameter that HTTP clients also send as the Mcp-Param-Region header',
      inputSchema: fromJsonSchema<{ region: string }>(REGION_HEADER_SCHEMA),
    },
    async ({ region }) => text(`region: ${region}`),
  );

  // SEP-2575 diagnostics: a tool that needs sampling, so an undeclared capability is rejected
  // with -32021 by the SDK's input-required seam...
  server.registerTool('test_missing_capability', { description: 'Requires the sampling client capability', inputSchema: z.object({}) }, async (_args, ctx) => {
    const answer = samplingText(inputResponse(ctx.mcpReq.inputResponses, 'needs_sampling'));
    if (answer !== undefined) return text(`Sampled: ${answer}`);
    return inputRequired({
      inputRequests: {
        needs_sampling: inputRequired.createMessage({
          messages: [{ role: 'user', content: { type: 'text', text: 'Say hello' } }],
          maxTokens: 10,
        }),
      },
    });
  });

  // ...one that needs user input but, as the stateless era requires, asks for it with an
  // InputRequiredResult rather than a request on the response stream...
  server.registerTool(
    'test_streaming_elicitation',
    { description: 'Asks for input via InputRequiredResult, never a server-to-client request', inputSchema: z.object({}) },
    async (_args, ctx) => {
      const view = inputResponse(ctx.mcpReq.inputResponses, 'confirm');
      if (view.kind === 'elicit') return text(`confirmed: ${view.action}`);
      return inputRequired({ inputRequests: { confirm: elicitField('Continue?', 'ok', 'boolean') } });
    },
  );

  // ...and hooks that mutate the tool / prompt lists so list_changed reaches listen streams.
  server.registerTool('test_trigger_tool_change', { description: 'Toggles test_dynamic_tool, changing the tool list', inputSchema: z.object({}) }, async () => {
    state.toggle('tools');
    return text(`test_dynamic_tool is now ${state.dynamicToolEnabled ? 'listed' : 'unlisted'}`);
  });
  server.registerTool(
    'test_trigger_prompt_change',
    { description: 'Toggles test_dynamic_prompt, changing the prompt list', inputSchema: z.object({}) },
    async () => {
      state.toggle('prompts');
      return text(`test_dynamic_prompt is now ${state.dynamicPromptEnabled ? 'listed' : 'unlisted'}`);
    },
  );
}

/** Multi-round-trip (SEP-2322) fixtures: `test_input_required_result_*`. */
function registerMrtrTools(server: McpServer): void {
  server.registerTool(
    'test_input_required_result_elicitation',
    { description: 'Asks for the user name via elicitation, then greets', inputSchema: z.object({}) },
    async (_args, ctx) => {
      const name = acceptedString(ctx, 'user_name', 'name');
      if (name !== undefined) return text(`Hello, ${name}!`);
      // Missing, wrong-keyed or malformed responses: ask again (SEP-2322 SHOULD re-request).
      return inputRequired({ inputRequests: { user_name: elicitField('What is your name?', 'name') } });
    },
  );

  server.registerTool(
    'test_input_required_result_sampling',
    { description: 'Asks the client LLM a question via sampling', inputSchema: z.object({}) },
    async (_args, ctx) => {
      const answer = samplingText(inputResponse(ctx.mcpReq.inputResponses, 'capital_question'));
      if (answer !== undefined) return text(`The model said: ${answer}`);
      return inputRequired({
        inputRequests: {
          capital_question: inputRequired.createMessage({
            messages: [{ role: 'user', content: { type: 'text', text: 'What is the capital of France?' } }],
            maxTokens: 100,
          }),
        },
      });
    },
  );

  server.registerTool(
    'test_input_required_result_list_roots',
    { description: 'Asks the client for its roots', inputSchema: z.object({}) },
    async (_args, ctx) => {
      const view = inputResponse(ctx.mcpReq.inputResponses, 'client_roots');
      if (view.kind === 'roots') return text(`Roots: ${view.roots.map((root) => root.uri).join(', ') || '(none)'}`);
      return inputRequired({ inputRequests: { client_roots: inputRequired.listRoots() } });
    },
  );

  server.registerTool(
    'test_input_required_result_request_state',
    { description: 'Round-trips an integrity-protected requestState', inputSchema: z.object({}) },
    async (_args, ctx) => {
      const tool = 'test_input_required_result_request_state';
      const view = inputResponse(ctx.mcpReq.inputResponses, 'confirm');
      if (stateFor(ctx, tool)?.step === 1 && view.kind === 'elicit') {
        return text(`state-ok: confirmation ${view.action}`);
      }
      return inputRequired({
        inputRequests: { confirm: elicitField('Please confirm', 'ok', 'boolean') },
        requestState: await stateCodec.mint({ tool, step: 1 }),
      });
    },
  );

  server.registerTool(
    'test_input_required_result_multiple_inputs',
    { description: 'Asks for elicitation, sampling and roots in one round', inputSchema: z.object({}) },
    async (_args, ctx) => {
      const tool = 'test_input_required_result_multiple_inputs';
      const responses = ctx.mcpReq.inputResponses;
      const name = acceptedString(ctx, 'user_name', 'name');
      const greeting = samplingText(inputResponse(responses, 'greeting'));
      const roots = inputResponse(responses, 'client_roots');
      if (stateFor(ctx, tool) && name !== undefined && greeting !== undefined && roots.kind === 'roots') {
        return text(`${greeting} ${name}; roots: ${roots.roots.map((root) => root.uri).join(', ')}`);
      }
      return inputRequired({
        inputRequests: {
          user_name: elicitField('What is your name?', 'name'),
          greeting: inputRequired.createMessage({
            messages: [{ role: 'user', content: { type: 'text', text: 'Generate a greeting' } }],
            maxTokens: 50,
          }),
          client_roots: inputRequired.listRoots(),
        },
        requestState: await stateCodec.mint({ tool, step: 1 }),
      });
    },
  );

  server.registerTool(
    'test_input_required_result_multi_round',
    { description: 'Two elicitation rounds with evolving requestState', inputSchema: z.object({}) },
    async (_args, ctx) => {
      const tool = 'test_input_required_result_multi_round';
      const state = stateFor(ctx, tool);
      if (state?.step === 2) {
        const color = acceptedString(ctx, 'step2', 'color');
        if (color !== undefined) return text(`${state.name ?? 'Someone'} likes ${color}`);
      }
      if (state?.step === 1) {
        const name = acceptedString(ctx, 'step1', 'name');
        if (name !== undefined) {
          return inputRequired({
            inputRequests: { step2: elicitField('Step 2: What is your favorite color?', 'color') },
            requestState: await stateCodec.mint({ tool, step: 2, name }),
          });
        }
      }
      return inputRequired({
        inputRequests: { step1: elicitField('Step 1: What is your name?', 'name') },
        requestState: await stateCodec.mint({ tool, step: 1 }),
      });
    },
  );

  server.registerTool(
    'test_input_required_result_tampered_state',
    { description: 'Rejects a requestState that fails HMAC verification', inputSchema: z.object({}) },
    async (_args, ctx) => {
      // A tampered state never reaches this handler: the codec's verify hook rejects it
      // with -32602 before dispatch (SEP-2322: servers MUST reject state failing verification).
      const tool = 'test_input_required_result_tampered_state';
      const view = inputResponse(ctx.mcpReq.inputResponses, 'confirm');
      if (stateFor(ctx, tool) && view.kind === 'elicit') return text('state verified');
      return inputRequired({
        inputRequests: { confirm: elicitField('Please confirm', 'ok', 'boolean') },
        requestState: await stateCodec.mint({ tool, step: 1 }),
      });
    },
  );

  server.registerTool(
    'test_input_required_result_capabilities',
    { description: 'Only asks for input kinds the client declared', inputSchema: z.object({}) },
    async (_args, ctx) => {
      const responses = ctx.mcpReq.inputResponses;
      if (responses && Object.keys(responses).length > 0) return text('Thanks for the input');
      const capabilities = declaredCapabilities(server, ctx);
      const requests: Record<string, InputRequest> = {};
      if (capabilities.sampling) {
        requests.summary = inputRequired.createMessage({
          messages: [{ role: 'user', content: { type: 'text', text: 'Summarize the conversation' } }],
          maxTokens: 50,
        });
      }
      if (capabilities.elicitation) requests.user_name = elicitField('What is your name?', 'name');
      if (capabilities.roots) requests.client_roots = inputRequired.listRoots();
      if (Object.keys(requests).length === 0) return text('No input capabilities declared; nothing to ask');
      return inputRequired({ inputRequests: requests });
    },
  );
}

/** The accepted string `field` of elicitation response `key`, if the client sent a valid one. */
function acceptedString(ctx: ServerContext, key: string, field: string): string | undefined {
  const view = inputResponse(ctx.mcpReq.inputResponses, key);
  if (view.kind !== 'elicit' || view.action !== 'accept') return undefined;
  const value = view.content?.[field];
  return typeof value === 'string' ? value : undefined;
}

/** Static resources, the watched resource and the `test://template/{id}/data` template. */
function registerResources(server: McpServer): void {
  server.registerResource('static-text', 'test://static-text', { description: 'A static text resource for testing', mimeType: 'text/plain' }, async (uri) => ({
    contents: [{ uri: uri.href, mimeType: 'text/plain', text: 'This is the content of the static text resource.' }],
  }));
  server.registerResource(
    'static-binary',
    'test://static-binary',
    { description: 'A static binary (PNG) resource for testing', mimeType: 'image/png' },
    async (uri) => ({ contents: [{ uri: uri.href, mimeType: 'image/png', blob: PNG_BASE64 }] }),
  );
  server.registerResource(
    'watched-resource',
    'test://watched-resource',
    { description: 'A resource clients can subscribe to', mimeType: 'text/plain' },
    async (uri) => ({ contents: [{ uri: uri.href, mimeType: 'text/plain', text: 'Watched resource content' }] }),
  );
  server.registerResource(
    'template-data',
    new ResourceTemplate('test://template/{id}/data', {
      list: undefined,
      complete: { id: (value) => ['123', '456', '789'].filter((id) => id.startsWith(value)) },
    }),
    { description: 'A resource template with parameter substitution', mimeType: 'application/json' },
    async (uri, variables) => {
      const id = String(variables.id);
      return {
        contents: [
          {
            uri: uri.href,
            mimeType: 'application/json',
            text: JSON.stringify({ id, templateTest: true, data: `Data for ID: ${id}` }),
          },
        ],
      };
    },
  );
}

/** Prompts, including the multi-round-trip one (SEP-2322 applies to prompts/get too). */
function registerPrompts(server: McpServer): void {
  server.registerPrompt('test_simple_prompt', { description: 'A simple prompt without arguments' }, async () => ({
    messages: [{ role: 'user', content: { type: 'text', text: 'This is a simple prompt for testing.' } }],
  }));

  server.registerPrompt(
    'test_prompt_with_arguments',
    {
      description: 'A prompt with required arguments',
      argsSchema: z.object({
        arg1: completable(z.string().describe('First test argument'), (value) => ['paris', 'park', 'party'].filter((word) => word.startsWith(value))),
        arg2: z.string().describe('Second test argument'),
      }),
    },
    async ({ arg1, arg2 }) => ({
      messages: [{ role: 'user', content: { type: 'text', text: `Prompt with arguments: arg1='${arg1}', arg2='${arg2}'` } }],
    }),
  );

  server.registerPrompt(
    'test_prompt_with_embedded_resource',
    {
      description: 'A prompt that embeds a resource',
      argsSchema: z.object({ resourceUri: z.string().describe('URI of the resource to embed') }),
    },
    async ({ resourceUri }) => ({
      messages: [
        {
          role: 'user',
          content: {
            type: 'resource',
            resource: { uri: resourceUri, mimeType: 'text/plain', text: 'Embedded resource content for testing.' },
          },
        },
        { role: 'user', content: { type: 'text', text: 'Please process the embedded resource above.' } },
      ],
    }),
  );

  server.registerPrompt('test_prompt_with_image', { description: 'A prompt with image content' }, async () => ({
    messages: [
      { role: 'user', content: { type: 'image', data: PNG_BASE64, mimeType: 'image/png' } },
      { role: 'user', content: { type: 'text', text: 'Please analyze the image above.' } },
    ],
  }));

  server.registerPrompt('test_input_required_result_prompt', { description: 'A prompt that first asks the user for context' }, async (ctx) => {
    const context = acceptedString(ctx, 'user_context', 'context');
    if (context === undefined) {
      return inputRequired({
        inputRequests: { user_context: elicitField('What context should the prompt use?', 'context') },
      });
    }
    return {
      messages: [{ role: 'user', content: { type: 'text', text: `Answer using this context: ${context}` } }],
    };
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** In-memory event store so 2025 SSE streams are resumable with Last-Event-ID (SEP-1699). */
function createEventStore(): EventStore {
  const events: { id: EventId; streamId: StreamId; message: JSONRPCMessage }[] = [];
  let counter = 0;
  return {
    async storeEvent(streamId, message) {
      const id = `${streamId}::${String(++counter).padStart(10, '0')}`;
      events.push({ id, streamId, message });
      if (events.length > 10_000) events.splice(0, events.length - 10_000);
      return id;
    },
    async getStreamIdForEventId(eventId) {
      return events.find((event) => event.id === eventId)?.streamId;
    },
    async replayEventsAfter(lastEventId, { send }) {
      const start = events.findIndex((event) => event.id === lastEventId);
      const streamId = start >= 0 ? events[start]!.streamId : (lastEventId.split('::')[0] ?? lastEventId);
      for (const event of events.slice(start + 1)) {
        if (event.streamId === streamId) await send(event.id, event.message);
      }
      return streamId;
    },
  };
}

/** One live 2025-era session: its transport and the server instance pinned to it. */
interface LegacySession {
  transport: WebStandardStreamableHTTPServerTransport;
  server: McpServer;
  /** Last request time; sessions a client abandons without DELETE are swept after SESSION_IDLE_MS. */
  lastSeen: number;
}

/** Idle time after which an abandoned 2025 session is closed (clients SHOULD, not MUST, send DELETE). */
const SESSION_IDLE_MS = 15 * 60_000;
/** Upper bound on a POST body, matching the SDK's own default. */
const MAX_BODY_BYTES = 4 * 1024 * 1024;

/** Options for {@link startHttpServer}. */
export interface HttpServerOptions {
  /** TCP port on 127.0.0.1; 0 picks a free one. */
  port: number;
  /** Called for out-of-band errors (default: stderr). */
  onerror?: (error: Error) => void;
}

/** A running HTTP fixture server. */
export interface RunningHttpServer {
  /** The MCP endpoint, e.g. http://127.0.0.1:4321/mcp. */
  url: string;
  /** Stops accepting connections and closes every session. */
  close(): Promise<void>;
}

/**
 * Serves the fixture over Streamable HTTP at /mcp: 2026-07-28 requests (envelope claim)
 * go to a strict `createMcpHandler`, everything else to stateful 2025 sessions
 * (spec 2025-11-25, basic/transports §session-management), per the routing pattern the
 * SDK documents for `isLegacyRequest`.
 */
export async function startHttpServer(options: HttpServerOptions): Promise<RunningHttpServer> {
  const onerror = options.onerror ?? ((error: Error) => console.error(`[conformance-server] ${error.message}`));
  const state = new FixtureState();
  // `legacy: 'reject'`: this handler only ever builds per-request 2026-07-28 instances;
  // 2025 traffic never reaches it (see the isLegacyRequest routing below).
  const modern: McpHttpHandler = createMcpHandler(() => createConformanceServer({ state, longLived: false }), {
    legacy: 'reject',
    onerror,
  });
  state.onChange = (what) => (what === 'tools' ? modern.notify.toolsChanged() : modern.notify.promptsChanged());

  const sessions = new Map<string, LegacySession>();
  const closeSession = (id: string, session: LegacySession): void => {
    sessions.delete(id);
    void session.transport.close().catch(() => undefined);
    void session.server.close().catch(() => undefined);
  };
  const sweep = setInterval(() => {
    const cutoff = Date.now() - SESSION_IDLE_MS;
    for (const [id, session] of sessions) if (session.lastSeen < cutoff) closeSession(id, session);
  }, 60_000);
  sweep.unref();

  const handleLegacy = async (request: Request): Promise<Response> => {
    const sessionId = request.headers.get('mcp-session-id');
    if (sessionId) {
      const session = sessions.get(sessionId);
      // Spec 2025-11-25 §session-management: an unknown or terminated session answers 404.
      if (!session) return jsonRpcError(404, -32001, 'Session not found');
      session.lastSeen = Date.now();
      return session.transport.handleRequest(request);
    }
    if (request.method !== 'POST') return jsonRpcError(400, -32000, 'Bad Request: Mcp-Session-Id header is required');
    const body: unknown = await request
      .clone()
      .json()
      .catch(() => undefined);
    const messages = Array.isArray(body) ? body : [body];
    const isInitialize = messages.some((m) => m && typeof m === 'object' && (m as { method?: unknown }).method === 'initialize');
    if (!isInitialize) return jsonRpcError(400, -32000, 'Bad Request: Mcp-Session-Id header is required');

    const server = createConformanceServer({ state, longLived: true });
    const transport = new WebStandardStreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      eventStore: createEventStore(),
      retryInterval: 500,
      onsessioninitialized: (id) => {
        sessions.set(id, { transport, server, lastSeen: Date.now() });
      },
      onsessionclosed: (id) => {
        sessions.delete(id);
        void server.close().catch(() => undefined);
      },
    });
    transport.onerror = onerror;
    await server.connect(transport);
    return transport.handleRequest(request);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (path !== '/mcp') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('Not found');
      return;
    }
    if (req.method !== 'GET' && req.method !== 'POST' && req.method !== 'DELETE') {
      res.writeHead(405, { allow: 'GET, POST, DELETE', 'content-type': 'text/plain' }).end('Method not allowed');
      return;
    }
    // Aborting on close lets the SDK cancel in-flight work when the client goes away.
    const abort = new AbortController();
    res.on('close', () => abort.abort());
    let body: Buffer | undefined;
    try {
      body = req.method === 'POST' ? await readBody(req, MAX_BODY_BYTES) : undefined;
    } catch (error) {
      if (!(error instanceof BodyTooLargeError)) throw error;
      await sendFetchResponse(res, jsonRpcError(413, -32600, error.message));
      return;
    }
    const request = toFetchRequest(req, body, abort.signal);
    // DNS-rebinding protection for a localhost server (spec 2025-11-25, basic/transports
    // §security-warning): refuse foreign Host or Origin headers before any MCP processing.
    const rejected = hostHeaderValidationResponse(request, localhostAllowedHostnames()) ?? originValidationResponse(request, localhostAllowedOrigins());
    if (rejected) {
      await sendFetchResponse(res, rejected);
      return;
    }
    const response = (await isLegacyRequest(request)) ? await handleLegacy(request) : await modern.fetch(request);
    await sendFetchResponse(res, response);
  };

  const http: HttpServer = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      onerror(error instanceof Error ? error : new Error(String(error)));
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ jsonrpc: '2.0', id: null, error: { code: -32603, message: 'Internal error' } }));
    });
  });
  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(options.port, '127.0.0.1', () => resolve());
  });
  const address = http.address();
  const port = typeof address === 'object' && address ? address.port : options.port;

  return {
    url: `http://127.0.0.1:${port}/mcp`,
    async close() {
      clearInterval(sweep);
      for (const [id, session] of [...sessions]) closeSession(id, session);
      await modern.close();
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}

/** A JSON-RPC error response with an HTTP status, for the transport-level refusals. */
function jsonRpcError(status: number, code: number, message: string): Response {
  return new Response(JSON.stringify({ jsonrpc: '2.0', id: null, error: { code, message } }), {
    status,
    headers: { 'content-type': 'application/json' },
  });
}

/** Serves the fixture on this process's stdio; `serveStdio` selects the era per connection. */
export function startStdioServer(): { close(): Promise<void> } {
  const state = new FixtureState();
  // One process is one connection, so every instance the factory builds is long-lived.
  return serveStdio(() => createConformanceServer({ state, longLived: true }), {
    onerror: (error) => console.error(`[conformance-server] ${error.message}`),
  });
}

/** CLI flags: `--http` switches to HTTP mode, `--port N` (default 3000) picks its port. */
function parseArgs(argv: string[]): { http: boolean; port: number } {
  const http = argv.includes('--http');
  const portIndex = argv.indexOf('--port');
  const port = portIndex >= 0 ? Number(argv[portIndex + 1]) : 3000;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`invalid --port ${argv[portIndex + 1]}`);
  return { http, port };
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  if (!args.http) {
    startStdioServer();
    return;
  }
  const running = await startHttpServer({ port: args.port });
  // The harness waits for this line; stdout is free in HTTP mode.
  console.log(`conformance server listening on ${running.url}`);
  const shutdown = (): void => {
    void running.close().finally(() => process.exit(0));
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
