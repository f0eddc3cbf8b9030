import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openEndpoints } from '../../src/server/index.js';
import { GREET_COMMAND, testPlatform } from '../helpers/platform.js';

type Platform = Awaited<ReturnType<typeof testPlatform>>;
const PUBLIC = 'https://tools.example.com';

/** GET on 127.0.0.1 with a chosen Host header (traffic stays on loopback whatever the header names). */
function get(port: number, path: string, host: string): Promise<{ status: number; headers: Record<string, unknown>; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers: { host } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text }));
    });
    req.on('error', reject);
    req.end();
  });
}

async function configFile(dir: string, server: string): Promise<string> {
  const file = join(dir, `toolport-${Math.random().toString(36).slice(2)}.yaml`);
  const runtime = `runtimes:\n  - { name: locked, command: ${JSON.stringify(GREET_COMMAND)}, auth: { jwt: { discoveryUrl: /identity/.well-known/openid-configuration, allowedClients: [someone] } }, sessions: { warmPool: 0 } }\n`;
  await writeFile(file, `server:\n${server}${runtime}`);
  return file;
}

describe('a non-loopback bind: publicUrl and allowedHosts are required, Host rewrites nothing', () => {
  let dir = '';
  let platform: Platform;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'toolport-public-'));
    const config = await configFile(dir, `  host: 0.0.0.0\n  publicUrl: ${PUBLIC}/\n  allowedHosts: [tools.example.com]\n`);
    platform = await testPlatform({ config, dataDir: join(dir, 'data') });
  });
  after(async () => {
    await platform?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('refuses to bind 0.0.0.0 without publicUrl, or without allowedHosts', async () => {
    const withoutUrl = await configFile(dir, '  host: 0.0.0.0\n  allowedHosts: [tools.example.com]\n');
    await assert.rejects(testPlatform({ config: withoutUrl, dataDir: join(dir, 'no-url') }), /set server\.publicUrl \(or --public-url\)/);
    const withoutHosts = await configFile(dir, `  host: 0.0.0.0\n  publicUrl: ${PUBLIC}\n`);
    await assert.rejects(testPlatform({ config: withoutHosts, dataDir: join(dir, 'no-hosts') }), /server\.allowedHosts/);
  });

  it('keeps the DNS-rebinding guard on: a request naming another host is refused', async () => {
    const reply = await get(platform.port, '/identity/.well-known/openid-configuration', 'attacker.example');
    assert.equal(reply.status, 403);
    assert.match(reply.text, /allowedHosts/);
  });

  it('takes the issuer and its endpoints from publicUrl, whatever Host the caller wrote', async () => {
    assert.equal(platform.identity.issuer, `${PUBLIC}/identity`);
    for (const host of [`127.0.0.1:${platform.port}`, 'tools.example.com']) {
      const reply = await get(platform.port, '/identity/.well-known/openid-configuration', host);
      assert.equal(reply.status, 200, reply.text);
      const discovery = JSON.parse(reply.text) as Record<string, unknown>;
      assert.equal(discovery.issuer, `${PUBLIC}/identity`);
      assert.equal(discovery.token_endpoint, `${PUBLIC}/identity/token`);
    }
  });

  it("advertises the runtime's RFC 9728 metadata under publicUrl", async () => {
    const metadata = await get(platform.port, '/.well-known/oauth-protected-resource/runtimes/locked/invocations', `127.0.0.1:${platform.port}`);
    assert.equal(metadata.status, 200, metadata.text);
    const body = JSON.parse(metadata.text) as { resource: string; authorization_servers: string[] };
    assert.equal(body.resource, `${PUBLIC}/runtimes/locked/invocations`);
    assert.deepEqual(body.authorization_servers, [`${PUBLIC}/identity`]);
  });

  it('warns about every auth: none endpoint it exposes, and only those', async () => {
    await platform.gatewayService.createGateway('open', { auth: 'none', targets: [] });
    assert.deepEqual(await openEndpoints(platform), [`gateway open has auth: none and is open to anyone who can reach ${PUBLIC}/gateways/open/mcp`]);
  });
});

describe('behind an https publicUrl, challenges name the public origin', () => {
  let dir = '';
  let platform: Platform;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'toolport-public-'));
    platform = await testPlatform({
      config: await configFile(dir, `  publicUrl: ${PUBLIC}\n  allowedHosts: [tools.example.com]\n`),
      dataDir: join(dir, 'data'),
    });
  });
  after(async () => {
    await platform?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('points an unauthenticated caller at the https metadata URL, not at http://', async () => {
    const reply = await get(platform.port, '/runtimes/locked/invocations', `127.0.0.1:${platform.port}`);
    assert.equal(reply.status, 401, reply.text);
    assert.match(
      String(reply.headers['www-authenticate']),
      new RegExp(`resource_metadata="${PUBLIC}/\\.well-known/oauth-protected-resource/runtimes/locked/invocations"`),
    );
  });
});
