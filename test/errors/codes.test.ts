import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ERROR_CODES, errorAnswer, ToolportError, type ErrorCode } from '../../src/errors/index.js';

/** Every code a caller can be told, written out: a change to ERROR_CODES must change this table too. */
const EXPECTED: Record<ErrorCode, { http: number; jsonRpc: number }> = {
  bad_request: { http: 400, jsonRpc: -32600 },
  parse_error: { http: 400, jsonRpc: -32700 },
  bad_path: { http: 400, jsonRpc: -32600 },
  body_too_large: { http: 413, jsonRpc: -32600 },
  headers_too_large: { http: 431, jsonRpc: -32600 },
  request_timeout: { http: 408, jsonRpc: -32600 },
  not_found: { http: 404, jsonRpc: -32602 },
  method_not_allowed: { http: 405, jsonRpc: -32600 },
  forbidden_host: { http: 403, jsonRpc: -32000 },
  unauthorized: { http: 401, jsonRpc: -32001 },
  internal: { http: 500, jsonRpc: -32603 },
  invalid_config: { http: 400, jsonRpc: -32602 },
  invalid: { http: 400, jsonRpc: -32602 },
  conflict: { http: 409, jsonRpc: -32602 },
  unavailable: { http: 503, jsonRpc: -32603 },
  missing_token: { http: 401, jsonRpc: -32001 },
  invalid_token: { http: 401, jsonRpc: -32001 },
  insufficient_scope: { http: 403, jsonRpc: -32001 },
  issuer_unavailable: { http: 503, jsonRpc: -32001 },
  misconfigured: { http: 401, jsonRpc: -32001 },
  sign_in_throttled: { http: 429, jsonRpc: -32000 },
  runtime_not_found: { http: 404, jsonRpc: -32603 },
  endpoint_not_found: { http: 404, jsonRpc: -32603 },
  session_not_found: { http: 404, jsonRpc: -32001 },
  session_required: { http: 400, jsonRpc: -32600 },
  too_many_sessions: { http: 429, jsonRpc: -32603 },
  worker_unavailable: { http: 503, jsonRpc: -32603 },
  worker_exited: { http: 502, jsonRpc: -32603 },
  worker_timeout: { http: 504, jsonRpc: -32001 },
  session_ended: { http: 404, jsonRpc: -32603 },
  sandbox_unavailable: { http: 503, jsonRpc: -32603 },
  gateway_not_found: { http: 404, jsonRpc: -32001 },
  gateway_loading: { http: 503, jsonRpc: -32000 },
  unknown_tool: { http: 404, jsonRpc: -32602 },
  unknown_prompt: { http: 404, jsonRpc: -32602 },
  unknown_resource: { http: 404, jsonRpc: -32602 },
  invalid_arguments: { http: 400, jsonRpc: -32602 },
  invalid_cursor: { http: 400, jsonRpc: -32602 },
  forbidden: { http: 403, jsonRpc: -32602 },
  circuit_open: { http: 503, jsonRpc: -32603 },
  target_unavailable: { http: 502, jsonRpc: -32603 },
  target_timeout: { http: 504, jsonRpc: -32603 },
  target_error: { http: 502, jsonRpc: -32603 },
  consent_required: { http: 409, jsonRpc: -32603 },
  upstream: { http: 502, jsonRpc: -32603 },
};

describe('the one error model: every code has one HTTP status and one JSON-RPC code', () => {
  it('ERROR_CODES is exactly the table above, no code more or less', () => {
    assert.deepEqual(ERROR_CODES, EXPECTED);
  });

  for (const [code, { http, jsonRpc }] of Object.entries(EXPECTED) as [ErrorCode, { http: number; jsonRpc: number }][]) {
    it(`answers ${code} with HTTP ${http} and JSON-RPC ${jsonRpc}, naming the code and the request id`, () => {
      const answer = errorAnswer(new ToolportError(code, `what went wrong (${code})`), 'req-1');
      assert.equal(answer.status, http);
      assert.deepEqual(answer.jsonRpc, { code: jsonRpc, message: `what went wrong (${code})`, data: { code, requestId: 'req-1' } });
      assert.deepEqual(answer.body, { error: { code, message: `what went wrong (${code})`, requestId: 'req-1' } });
    });
  }

  it('answers anything else as internal 500 / -32603 whose message holds the request id, never the original words', () => {
    const answer = errorAnswer(new Error('ENOENT /var/secret/path'), 'req-2');
    assert.equal(answer.status, 500);
    assert.equal(answer.jsonRpc.code, -32603);
    assert.equal(answer.jsonRpc.data.code, 'internal');
    assert.match(answer.jsonRpc.message, /req-2/);
    assert.doesNotMatch(JSON.stringify([answer.jsonRpc, answer.body, answer.headers]), /ENOENT|secret/);
  });

  it('sends Retry-After when the error says when to try again, and no header otherwise', () => {
    assert.deepEqual(errorAnswer(new ToolportError('too_many_sessions', 'full', { retryAfterSeconds: 5 }), 'r').headers, { 'retry-after': '5' });
    assert.deepEqual(errorAnswer(new ToolportError('too_many_sessions', 'full'), 'r').headers, {});
  });

  it('shows the upstream detail only when debugging is switched on', () => {
    const error = new ToolportError('target_error', 'the target failed', { detail: 'HTTP 500 from upstream' });
    assert.equal(errorAnswer(error, 'r').jsonRpc.data.detail, undefined);
    assert.equal(errorAnswer(error, 'r', true).jsonRpc.data.detail, 'HTTP 500 from upstream');
  });
});
