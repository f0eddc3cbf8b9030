// What the gateway's edge hands its MCP handlers with each HTTP request: who calls, and the request's id. Both ride in
// the SDK's AuthInfo, the one value the SDK passes from `fetch`/`handleRequest` to a handler's context, for either
// revision (2026-07-28 requests and 2025-11-25 session requests alike).
import type { AuthInfo, ServerContext } from '@modelcontextprotocol/server';
import { newRequestId } from '../errors/index.js';
import type { Caller } from './calls.js';

interface HandlerExtra {
  caller: Caller;
  requestId: string;
  /** Tool calls this request has run so far (a JSON-RPC batch, or a 2025-11-25 caller's input_required rounds). */
  calls: number;
}

function extraOf(authInfo: AuthInfo | undefined): HandlerExtra | undefined {
  return authInfo?.extra?.requestId === undefined ? undefined : (authInfo.extra as unknown as HandlerExtra);
}

/** The AuthInfo for one HTTP request: the caller's principal as the SDK reads it, and our own fields in `extra`. */
export function handlerAuthInfo(caller: Caller, requestId: string): AuthInfo {
  const { principal } = caller;
  return { token: '', clientId: principal?.clientId ?? '', scopes: principal?.scopes ?? [], extra: { caller, requestId, calls: 0 } satisfies HandlerExtra };
}

/** The caller an AuthInfo made by handlerAuthInfo names. */
export function callerOf(authInfo: AuthInfo | undefined): Caller {
  return extraOf(authInfo)?.caller ?? { principal: undefined };
}

/**
 * The id of the HTTP request a handler serves: its error answer and that error's log line carry it. Every request
 * reaches a handler through the edge with one; a fresh id stands in should the SDK ever call a handler without it.
 */
export function requestIdOf(ctx: ServerContext): string {
  return extraOf(ctx.http?.authInfo)?.requestId ?? newRequestId();
}

/**
 * The audit record id of the next tool call a request runs: the request's id, then `{id}.2`, `{id}.3`... for further
 * calls of the same request, since each call is one record of the audit log.
 */
export function nextCallId(ctx: ServerContext): string {
  const extra = extraOf(ctx.http?.authInfo);
  if (!extra) return newRequestId();
  extra.calls += 1;
  return extra.calls === 1 ? extra.requestId : `${extra.requestId}.${extra.calls}`;
}
