// connect's error explanations are chosen by the SDK's typed errors and codes and by a failed fetch's socket code,
// never by words in a message: a server's text that mentions 401 or "fetch failed" is just its text.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  InsufficientScopeError,
  MissingRequiredClientCapabilityError,
  ProtocolError,
  SdkError,
  SdkErrorCode,
  SdkHttpError,
  UnauthorizedError,
  UnsupportedProtocolVersionError,
} from '@modelcontextprotocol/client';
import { explain } from '../../src/client/connect.js';

const URL_ = new URL('http://127.0.0.1:7000/mcp');
const message = (error: unknown, context?: Parameters<typeof explain>[2]): string => explain(URL_, error, context).message;

/** What Node's fetch throws when nothing listens on the port. */
function refusedFetch(): TypeError {
  const socket = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:7000'), { code: 'ECONNREFUSED', syscall: 'connect' });
  return new TypeError('fetch failed', { cause: socket });
}

describe('explain', () => {
  it("names the fix for a 401, by the SDK's status or UnauthorizedError, with the server's words from the body", () => {
    const probe = new SdkHttpError(SdkErrorCode.ClientHttpAuthentication, 'Version negotiation failed: the server requires authorization (HTTP 401)', {
      status: 401,
      statusText: 'Unauthorized',
      text: JSON.stringify({ jsonrpc: '2.0', id: null, error: { code: -32001, message: 'this endpoint requires a bearer token' } }),
    });
    assert.match(message(probe), /^401 from http:\/\/127\.0\.0\.1:7000: this endpoint requires a bearer token — pass --token/);
    assert.match(message(new UnauthorizedError()), /^401 from .* — pass --token/);
    assert.match(message(new UnauthorizedError(), { auth: { mode: 'bearer', token: 'x' } }), /the bearer token was refused/);
  });

  it('names the fix for a 403 and for insufficient scope', () => {
    const forbidden = new SdkHttpError(SdkErrorCode.ClientHttpForbidden, 'denied', { status: 403, statusText: 'Forbidden' });
    assert.match(message(forbidden), /^403 from .* — use a token with the scope named/);
    assert.match(message(new InsufficientScopeError({ requiredScope: 'tools:call' })), /^403 from .*required "tools:call".* — use a token with the scope/);
  });

  it('tells a server that does not speak the forced revision, by -32022 or a pinned negotiation that found none', () => {
    const fix = /the server does not speak the revision forced by --protocol: leave it at auto/;
    const refused = new SdkHttpError(SdkErrorCode.ClientHttpNotImplemented, 'Error POSTing to endpoint: …', {
      status: 400,
      statusText: 'Bad Request',
      text: JSON.stringify({ jsonrpc: '2.0', id: 0, error: { code: -32022, message: 'Unsupported protocol version: 2025-11-25' } }),
    });
    assert.match(message(refused, { protocol: '2025-11-25' }), fix);
    assert.match(message(new UnsupportedProtocolVersionError({ supported: ['2025-11-25'], requested: '2026-07-28' })), fix);
    const pinned = new SdkError(SdkErrorCode.EraNegotiationFailed, 'Version negotiation failed: the server did not offer pinned protocol version 2026-07-28');
    assert.match(message(pinned, { protocol: '2026-07-28' }), fix);
    assert.doesNotMatch(message(pinned), fix, 'under auto the caller forced nothing');
  });

  it("says the server is unreachable from the socket's code, also under the SDK's probe error", () => {
    assert.match(message(refusedFetch()), /^cannot reach http:\/\/127\.0\.0\.1:7000 \(ECONNREFUSED\): is the server running\?/);
    const probe = new SdkError(
      SdkErrorCode.EraNegotiationFailed,
      'Version negotiation probe failed: fetch failed',
      { cause: refusedFetch() },
      { cause: refusedFetch() },
    );
    assert.match(message(probe, { protocol: '2026-07-28' }), /^cannot reach .* \(ECONNREFUSED\)/);
  });

  it('names the option a tool needs from the capability the server says is missing', () => {
    const refused = new MissingRequiredClientCapabilityError({ requiredCapabilities: { elicitation: {} } }, "Cannot request input 'form' (elicitation/create)");
    assert.match(message(refused), /— the tool asks its user for input: run on a terminal to be asked, or pass --elicit/);
    assert.match(
      message(new MissingRequiredClientCapabilityError({ requiredCapabilities: { roots: {} } }, 'needs roots')),
      /— the tool asks for the roots .* --root/,
    );
  });

  it("leaves a server's own words alone when they only mention 401, 403, a protocol version or fetch", () => {
    for (const words of [
      'upstream said 401 Unauthorized',
      'insufficient_scope on the backend',
      'Unsupported protocol version in the payload',
      'fetch failed upstream',
    ]) {
      assert.equal(message(new ProtocolError(-32603, words)), `${URL_.href}: ${words}`);
    }
  });
});
