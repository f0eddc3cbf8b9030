// The MCP SDK's own OAuth client against Toolport's authorization server, with no token given by hand:
// 401 → RFC 9728 metadata → RFC 8414 metadata → dynamic registration → login and consent in Chromium → token
// (audience = the runtime) → refresh when the access token is refused.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { after, before, test } from 'node:test';
import {
  Client,
  StreamableHTTPClientTransport,
  UnauthorizedError,
  type OAuthClientMetadata,
  type OAuthClientProvider,
  type StoredOAuthClientInformation,
  type StoredOAuthTokens,
} from '@modelcontextprotocol/client';
import type { Browser } from 'playwright-core';
import { launchBrowser } from '../helpers/browser.js';
import { GREET_COMMAND, invocationUrl, testPlatform } from '../helpers/platform.js';
import { claimsOf, identityApi } from './server-helpers.js';
import { closeAll } from '../helpers/teardown.js';

/** An MCP client's OAuth state, in memory; `authorizationUrl` is where it would send the user's browser. */
class MemoryOAuthProvider implements OAuthClientProvider {
  client?: StoredOAuthClientInformation;
  saved?: StoredOAuthTokens;
  verifier = '';
  authorizationUrl?: URL;
  constructor(readonly redirectUrl: string) {}
  get clientMetadata(): OAuthClientMetadata {
    return {
      client_name: 'SDK OAuth test',
      redirect_uris: [this.redirectUrl],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
    };
  }
  clientInformation(): StoredOAuthClientInformation | undefined {
    return this.client;
  }
  saveClientInformation(info: StoredOAuthClientInformation): void {
    this.client = info;
  }
  tokens(): StoredOAuthTokens | undefined {
    return this.saved;
  }
  saveTokens(tokens: StoredOAuthTokens): void {
    this.saved = tokens;
  }
  redirectToAuthorization(url: URL): void {
    this.authorizationUrl = url;
  }
  saveCodeVerifier(verifier: string): void {
    this.verifier = verifier;
  }
  codeVerifier(): string {
    return this.verifier;
  }
}

let platform: Awaited<ReturnType<typeof testPlatform>>;
let browser: Browser;
let callback: Server;
let redirectUrl: string;

before(async () => {
  platform = await testPlatform();
  await identityApi(platform, 'POST', '/users', { username: 'testuser', password: 'MyPassword123!' });
  await identityApi(platform, 'POST', '/resource-servers', { identifier: 'gateway', scopes: ['read'] });
  await platform.control.createRuntime('guarded', {
    command: GREET_COMMAND,
    sessions: { warmPool: 0 },
    auth: {
      jwt: {
        discoveryUrl: `${platform.url}/identity/.well-known/openid-configuration`,
        allowedAudiences: [`${platform.url}/runtimes/guarded/invocations`],
        allowedScopes: ['gateway/read'],
      },
    },
  });
  callback = createServer((_req, res) => res.writeHead(200).end('signed in'));
  await new Promise<void>((resolve) => callback.listen(0, '127.0.0.1', resolve));
  redirectUrl = `http://127.0.0.1:${(callback.address() as { port: number }).port}/callback`;
  browser = await launchBrowser();
});
after(() =>
  closeAll(
    () => browser?.close(),
    () => callback && new Promise((resolve) => callback.close(resolve)),
    () => platform?.stop(),
  ),
);

test("the MCP SDK's OAuth client signs in by itself, reaches the runtime and refreshes", async () => {
  const provider = new MemoryOAuthProvider(redirectUrl);
  const url = invocationUrl(platform, 'guarded');
  const first = new Client({ name: 'oauth-test', version: '1.0.0' });
  const transport = new StreamableHTTPClientTransport(url, { authProvider: provider });
  await assert.rejects(first.connect(transport), UnauthorizedError);
  assert.ok(provider.client?.client_id, 'the client registered itself');
  const authorizationUrl = provider.authorizationUrl as URL;
  assert.equal(authorizationUrl.origin + authorizationUrl.pathname, `${platform.url}/identity/auth`);
  assert.equal(authorizationUrl.searchParams.get('resource'), `${platform.url}/runtimes/guarded/invocations`);

  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(authorizationUrl.href);
  await page.fill('#username', 'testuser');
  await page.fill('#password', 'MyPassword123!');
  await page.click('#sign-in');
  await page.click('#allow');
  await page.waitForURL((u) => u.href.startsWith(redirectUrl), { timeout: 15_000 });
  const landed = new URL(page.url());
  await context.close();
  await transport.finishAuth(landed.searchParams);

  const tokens = provider.saved as StoredOAuthTokens;
  assert.equal(claimsOf(tokens.access_token).aud, `${platform.url}/runtimes/guarded/invocations`);
  assert.equal(claimsOf(tokens.access_token).scope, 'gateway/read');
  const client = new Client({ name: 'oauth-test', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(url, { authProvider: provider }));
  assert.ok((await client.listTools()).tools.some((tool) => tool.name === 'greet_user'));
  await client.close();

  // An access token the runtime refuses makes the SDK refresh (rotating the refresh token) and retry.
  provider.saved = { ...tokens, access_token: 'expired.or.revoked' };
  const again = new Client({ name: 'oauth-test', version: '1.0.0' });
  await again.connect(new StreamableHTTPClientTransport(url, { authProvider: provider }));
  assert.ok((await again.listTools()).tools.length > 0);
  await again.close();
  assert.notEqual(provider.saved.refresh_token, tokens.refresh_token, 'the refresh token rotated');
  assert.notEqual(provider.saved.access_token, 'expired.or.revoked');
});
