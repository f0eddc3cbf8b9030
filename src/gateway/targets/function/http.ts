// The http function kind: POST the Lambda invocation as JSON, read the handler's return value from the answer.
import type { CallToolResult } from '@modelcontextprotocol/server';
import { fetch, type Dispatcher } from 'undici';
import type { CallContext, OutboundCredentials } from '../types.js';
import { TargetError } from '../types.js';
import { lambdaResultOf, type LambdaInvocation } from './agentcore.js';
import { timedOut } from '../../deadline.js';

const MAX_RESPONSE_BYTES = 16 * 1024 * 1024;
const EXCERPT_CHARS = 500;

function excerpt(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > EXCERPT_CHARS ? `${flat.slice(0, EXCERPT_CHARS - 1)}…` : flat;
}

/** Why fetch failed, in the words of the socket error (ECONNREFUSED, ENOTFOUND...) when there is one. */
function reasonOf(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (error as Error).message;
}

async function post(
  url: string,
  invocation: LambdaInvocation,
  signal: AbortSignal,
  dispatcher: Dispatcher,
  credentials?: OutboundCredentials,
): Promise<Response> {
  const target = new URL(url);
  const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json, text/plain;q=0.9' };
  if (credentials) {
    Object.assign(headers, await credentials.headers());
    for (const [key, value] of Object.entries(await credentials.query())) target.searchParams.set(key, value);
  }
  // No redirects: a 3xx is an answer like any other non-2xx, and credentials never follow a Location elsewhere.
  const response = await fetch(target, { method: 'POST', headers, body: JSON.stringify(invocation), signal, redirect: 'manual', dispatcher });
  return response as unknown as Response;
}

/** The handler's return value from a 2xx answer: JSON when it says so, otherwise the text itself. */
function valueOf(body: string, contentType: string): unknown {
  if (body === '') return undefined;
  if (!/\bjson\b/i.test(contentType)) return body;
  try {
    return JSON.parse(body) as unknown;
  } catch {
    throw new TargetError('upstream', 'the function endpoint answered with invalid JSON', excerpt(body));
  }
}

/**
 * Invokes an http function. Body sent: `{"event": {...arguments}, "context": {"awsRequestId", "functionName",
 * "deadlineMs", "clientContext": {"custom": {bedrockAgentCore...}}}}`. A non-2xx answer is an error result with the
 * status and a body excerpt; no answer at all is an `unreachable` TargetError; past the call's deadline (the guard's,
 * `timeoutMs`, on `call.signal`) a `timeout` one.
 */
export async function invokeHttpFunction(
  url: string,
  invocation: LambdaInvocation,
  call: CallContext,
  options: { timeoutMs: number; dispatcher: Dispatcher; credentials?: OutboundCredentials },
): Promise<CallToolResult> {
  try {
    const response = await post(url, invocation, call.signal, options.dispatcher, options.credentials);
    const declared = Number(response.headers.get('content-length') ?? 0);
    if (declared > MAX_RESPONSE_BYTES) {
      await response.body?.cancel();
      throw new TargetError('upstream', `the function endpoint answered ${declared} bytes; the limit is ${MAX_RESPONSE_BYTES}`);
    }
    const body = await response.text();
    if (!response.ok) {
      const status = `${response.status}${response.statusText ? ` ${response.statusText}` : ''}`;
      return { isError: true, content: [{ type: 'text', text: `The function endpoint answered HTTP ${status}${body ? `: ${excerpt(body)}` : ''}` }] };
    }
    return lambdaResultOf(valueOf(body, response.headers.get('content-type') ?? ''));
  } catch (error) {
    if (error instanceof TargetError) throw error;
    if (timedOut(call.signal)) {
      throw new TargetError('timeout', `the function endpoint did not answer within ${options.timeoutMs} ms`);
    }
    if (call.signal.aborted) throw call.signal.reason;
    throw new TargetError('unreachable', `cannot reach the function endpoint ${new URL(url).origin}: ${reasonOf(error)}`);
  }
}
