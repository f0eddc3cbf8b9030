import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { createLogger } from '../../src/log/index.js';
import { GREET_COMMAND, testPlatform } from '../helpers/platform.js';

type Platform = Awaited<ReturnType<typeof testPlatform>>;

/** One raw HTTP exchange: the path and headers go out exactly as written (no client-side normalisation). */
function send(port: number, method: string, path: string, headers: Record<string, string> = {}, body?: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('the edge answers bad input (paths, headers, bodies) with a clear 4xx', () => {
  let platform: Platform;
  const logged: string[] = [];

  before(async () => {
    platform = await testPlatform({ logger: createLogger('debug', (line) => logged.push(line)) });
    await platform.control.createRuntime('greet', { command: GREET_COMMAND, sessions: { warmPool: 0 } });
    await platform.gatewayService.createGateway('demo', { auth: 'none', targets: [{ name: 'greet', type: 'mcp', runtime: 'greet' }] });
  });
  after(() => platform.stop());

  const paths = [
    '/gateways/%E0%A4%A/mcp',
    '/runtimes/%ZZ/invocations?qualifier=DEFAULT',
    '/api/runtimes/%E0%A4%A',
    '/api/gateways/%/targets',
    '/.well-known/oauth-protected-resource/gateways/%E0%A4%A/mcp',
    '/.well-known/oauth-protected-resource/runtimes/%ZZ/invocations',
    '/identity/%E0%A4%A',
  ];
  for (const path of paths) {
    it(`answers ${path} with 400 and a message, and logs no stack trace`, async () => {
      const before = logged.length;
      const method = path.startsWith('/.well-known') ? 'GET' : 'POST';
      const reply = await send(
        platform.port,
        method,
        path,
        { 'content-type': 'application/json', authorization: `Bearer ${platform.adminToken}` },
        method === 'GET' ? undefined : '{}',
      );
      assert.equal(reply.status, 400, reply.text);
      const body = JSON.parse(reply.text) as { error: { code: string; message: string } };
      assert.equal(body.error.code, 'bad_path');
      assert.match(body.error.message, /malformed percent escape/);
      assert.doesNotMatch(logged.slice(before).join(''), /URIError|\bat .*\.(ts|js):\d+/);
    });
  }

  const mcp = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
  const admin = (): Record<string, string> => ({ 'content-type': 'application/json', authorization: `Bearer ${platform.adminToken}` });
  /** Malformed headers and bodies, each to be answered with this 4xx status and a message. */
  const requests: { what: string; method: string; path: string; headers: () => Record<string, string>; body?: string; status: number }[] = [
    { what: 'a header block over the limit', method: 'GET', path: '/api/runtimes', headers: () => ({ 'x-padding': 'x'.repeat(64 * 1024) }), status: 431 },
    { what: 'a malformed Content-Length', method: 'POST', path: '/api/runtimes', headers: () => ({ 'content-length': 'abc' }), status: 400 },
    { what: 'an /api body that is not JSON', method: 'POST', path: '/api/runtimes', headers: admin, body: '{"name":', status: 400 },
    { what: 'an /api body that is JSON but not an object', method: 'POST', path: '/api/runtimes', headers: admin, body: '[1,2]', status: 400 },
    { what: 'an /api request without the admin token', method: 'GET', path: '/api/runtimes', headers: () => ({}), status: 401 },
    {
      what: 'an /api request with a malformed Authorization header',
      method: 'GET',
      path: '/api/runtimes',
      headers: () => ({ authorization: 'Bearer' }),
      status: 401,
    },
    { what: 'a gateway body that is not JSON', method: 'POST', path: '/gateways/demo/mcp', headers: () => mcp, body: '{"jsonrpc":', status: 400 },
    {
      what: 'a gateway request with an unknown protocol version',
      method: 'POST',
      path: '/gateways/demo/mcp',
      headers: () => ({ ...mcp, 'mcp-protocol-version': 'not-a-version' }),
      body: '{"jsonrpc":"2.0","id":1,"method":"tools/list"}',
      status: 400,
    },
    { what: 'a runtime body that is not JSON', method: 'POST', path: '/runtimes/greet/invocations', headers: () => mcp, body: '{"jsonrpc":', status: 400 },
    { what: 'a runtime body that is not JSON-RPC', method: 'POST', path: '/runtimes/greet/invocations', headers: () => mcp, body: '"hello"', status: 400 },
    {
      what: 'a token request with an unknown grant',
      method: 'POST',
      path: '/identity/token',
      headers: () => ({ 'content-type': 'application/x-www-form-urlencoded' }),
      body: 'grant_type=nonsense',
      status: 400,
    },
    {
      what: 'a token request whose body is JSON',
      method: 'POST',
      path: '/identity/token',
      headers: () => ({ 'content-type': 'application/json' }),
      body: '{"grant_type":',
      status: 400,
    },
    {
      what: 'a Cognito request that is not JSON',
      method: 'POST',
      path: '/identity/cognito',
      headers: () => ({ 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'AWSCognitoIdentityProviderService.InitiateAuth' }),
      body: '{',
      status: 400,
    },
  ];
  for (const { what, method, path, headers, body, status } of requests) {
    it(`answers ${what} with ${status} and a message, never a stack trace`, async () => {
      const reply = await send(platform.port, method, path, headers(), body);
      assert.equal(reply.status, status, reply.text);
      assert.ok(reply.text.length > 0, 'the answer says what was wrong');
      assert.doesNotMatch(reply.text, /\bat .*\.(ts|js):\d+|Error: /, 'no stack trace in the response');
    });
  }
});
