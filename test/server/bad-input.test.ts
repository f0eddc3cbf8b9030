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

describe('the edge answers malformed paths with 400', () => {
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
      const reply = await send(platform.port, method, path, { 'content-type': 'application/json', authorization: `Bearer ${platform.adminToken}` }, method === 'GET' ? undefined : '{}');
      assert.equal(reply.status, 400, reply.text);
      const body = JSON.parse(reply.text) as { error: { code: string; message: string } };
      assert.equal(body.error.code, 'bad_path');
      assert.match(body.error.message, /malformed percent escape/);
      assert.doesNotMatch(logged.slice(before).join(''), /URIError|\bat .*\.(ts|js):\d+/);
    });
  }
});
