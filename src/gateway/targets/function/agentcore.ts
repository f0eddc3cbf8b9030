// What AgentCore Gateway hands a Lambda and how it reads the answer, shared by the lambda and http function kinds.
import { randomUUID } from 'node:crypto';
import type { CallToolResult } from '@modelcontextprotocol/server';
import type { CallContext } from '../types.js';

/** The `_meta` key of a lambda target's `tools/call` that carries the invocation's context to its child process. */
export const LAMBDA_CONTEXT_META = 'dev.toolport/lambda-context';

/** The keys AgentCore Gateway puts in a Lambda's `context.clientContext.custom`, with its values' meaning here. */
export interface AgentCoreCustomContext {
  /** The prefixed name `{target}___{tool}`; handlers strip the prefix at the first `___`. */
  bedrockAgentCoreToolName: string;
  bedrockAgentCoreGatewayId: string;
  bedrockAgentCoreTargetId: string;
  bedrockAgentCoreMessageVersion: '1.0';
  /** The gateway's request id (also shown to the caller in errors and kept in the audit log). */
  bedrockAgentCoreAwsRequestId: string;
  /** The JSON-RPC id of the caller's tools/call, as a string. */
  bedrockAgentCoreMcpMessageId: string;
  /** The caller's MCP session id, or "" for a call without a session. */
  bedrockAgentCoreSessionId: string;
}

/**
 * One invocation as JSON: exactly the body an http function receives, and what a lambda handler's context is built
 * from. `deadlineMs` (epoch ms) is what `getRemainingTimeInMillis()` counts down to, like Lambda's
 * `Lambda-Runtime-Deadline-Ms`.
 */
export interface LambdaInvocation {
  /** The bare arguments object of the tool call. */
  event: Record<string, unknown>;
  context: {
    awsRequestId: string;
    functionName: string;
    deadlineMs: number;
    clientContext: { custom: AgentCoreCustomContext };
  };
}

/** Builds the invocation AgentCore would send for a call of `tool` with `args`. */
export function lambdaInvocation(
  tool: string,
  args: Record<string, unknown>,
  call: CallContext,
  options: { functionName: string; timeoutMs: number },
): LambdaInvocation {
  return {
    event: args,
    context: {
      awsRequestId: randomUUID(),
      functionName: options.functionName,
      deadlineMs: Date.now() + options.timeoutMs,
      clientContext: {
        custom: {
          bedrockAgentCoreToolName: call.prefixedName || `${call.target}___${tool}`,
          bedrockAgentCoreGatewayId: call.gateway,
          bedrockAgentCoreTargetId: call.target,
          bedrockAgentCoreMessageVersion: '1.0',
          bedrockAgentCoreAwsRequestId: call.requestId,
          bedrockAgentCoreMcpMessageId: String(call.mcpMessageId ?? call.requestId),
          bedrockAgentCoreSessionId: call.sessionId ?? '',
        },
      },
    },
  };
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Lambda's shape for a failed invocation (a thrown error, or a handler returning it itself). */
function isLambdaError(value: Record<string, unknown>): value is { errorMessage: string; errorType?: string } {
  return typeof value.errorMessage === 'string' && (value.errorType === undefined || typeof value.errorType === 'string');
}

/** The Lambda error object for a thrown value, as the Lambda runtime reports it (no stack: it stays in the logs). */
export function lambdaErrorOf(thrown: unknown): { errorType: string; errorMessage: string } {
  if (thrown instanceof Error) return { errorType: thrown.name || 'Error', errorMessage: thrown.message };
  return { errorType: 'Error', errorMessage: typeof thrown === 'string' ? thrown : (JSON.stringify(thrown) ?? String(thrown)) };
}

/**
 * A handler's return value as the tool result, the way AgentCore turns a Lambda response into one: a string is the
 * text; an object is its JSON text plus `structuredContent`; `{errorMessage, errorType}` is an error result.
 */
export function lambdaResultOf(value: unknown): CallToolResult {
  if (typeof value === 'string') return { content: [{ type: 'text', text: value }] };
  if (value === undefined) return { content: [] };
  if (isPlainObject(value)) {
    if (isLambdaError(value)) {
      const text = value.errorType ? `${value.errorType}: ${value.errorMessage}` : value.errorMessage;
      return { isError: true, content: [{ type: 'text', text }] };
    }
    return { content: [{ type: 'text', text: JSON.stringify(value) }], structuredContent: value };
  }
  return { content: [{ type: 'text', text: JSON.stringify(value) }] };
}
