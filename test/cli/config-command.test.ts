import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { z } from 'zod';
import { GREET_COMMAND, invocationUrl, testPlatform } from '../helpers/platform.js';
import { startTestIssuer, type TestIssuer } from '../helpers/issuer.js';
import { toolport } from '../helpers/cli.js';
import { closeAll } from '../helpers/teardown.js';

/**
 * The project `.mcp.json` Claude Code reads, written from its documentation (https://code.claude.com/docs/en/mcp:
 * "mcpServers" maps a name to a server; remote servers have type "http" (or "sse"), "url" and optional "headers";
 * pre-registered OAuth clients add "oauth": { clientId, callbackPort }). Strict objects, so a misspelt key fails.
 */
const claudeServer = z.union([
  z
    .object({
      type: z.enum(['http', 'sse']),
      url: z.url(),
      headers: z.record(z.string(), z.string()).optional(),
      oauth: z
        .object({ clientId: z.string().min(1), callbackPort: z.number().int().positive().optional(), scopes: z.string().optional() })
        .strict()
        .optional(),
    })
    .strict(),
  z
    .object({
      type: z.literal('stdio').optional(),
      command: z.string(),
      args: z.array(z.string()).optional(),
      env: z.record(z.string(), z.string()).optional(),
    })
    .strict(),
]);
const claudeMcpJson = z.object({ mcpServers: z.record(z.string().regex(/^[A-Za-z0-9_-]+$/), claudeServer) }).strict();
/** Cursor's `.cursor/mcp.json` (https://cursor.com/docs/context/mcp): remote servers are `{ url, headers? }` under mcpServers. */
const cursorMcpJson = z
  .object({ mcpServers: z.record(z.string(), z.object({ url: z.url(), headers: z.record(z.string(), z.string()).optional() }).strict()) })
  .strict();
/** VS Code's `.vscode/mcp.json` (https://code.visualstudio.com/docs/copilot/reference/mcp-configuration): `servers`, `type: "http"`. */
const vscodeMcpJson = z
  .object({ servers: z.record(z.string(), z.object({ type: z.literal('http'), url: z.url(), headers: z.record(z.string(), z.string()).optional() }).strict()) })
  .strict();

describe('toolport config claude-code|cursor|vscode', () => {
  let platform: Awaited<ReturnType<typeof testPlatform>>;
  let issuer: TestIssuer;

  before(async () => {
    issuer = await startTestIssuer();
    platform = await testPlatform();
    await platform.control.createRuntime('greet', { command: GREET_COMMAND, sessions: { warmPool: 0 } });
    // Protected by an external issuer without dynamic registration: a token has to go in a header.
    await platform.control.createRuntime('secure', {
      command: GREET_COMMAND,
      sessions: { warmPool: 0 },
      auth: { jwt: { discoveryUrl: issuer.discoveryUrl, allowedAudiences: ['toolport'] } },
    });
    // Protected by Toolport's own issuer, which allows registration (RFC 7591): Claude Code signs in by itself.
    await platform.control.createRuntime('guarded', {
      command: GREET_COMMAND,
      sessions: { warmPool: 0 },
      auth: {
        jwt: { discoveryUrl: `${platform.url}/identity/.well-known/openid-configuration`, allowedAudiences: [`${platform.url}/runtimes/guarded/invocations`] },
      },
    });
  });
  after(() =>
    closeAll(
      () => platform?.stop(),
      () => issuer?.close(),
    ),
  );

  it('prints the claude mcp add line with the bearer header, and the same setup as .mcp.json, cursor and vscode JSON', async () => {
    const token = await issuer.mint({ aud: 'toolport', sub: 'dev' });
    const url = invocationUrl(platform, 'secure').href;
    const line = await toolport(['config', 'claude-code', 'runtime:secure', '--token', token, '--server', platform.url]);
    assert.equal(line.code, 0, line.stderr);
    assert.equal(line.stdout, `claude mcp add --transport http secure '${url}' --header "Authorization: Bearer ${token}"\n`);
    assert.match(line.stderr, /the token is fixed in the config and expires \d{4}-\d\d-\d\dT/);

    const claude = claudeMcpJson.parse(
      JSON.parse((await toolport(['config', 'claude-code', 'runtime:secure', '--token', token, '--server', platform.url, '--json'])).stdout),
    );
    assert.deepEqual(claude, { mcpServers: { secure: { type: 'http', url, headers: { Authorization: `Bearer ${token}` } } } });
    const cursor = cursorMcpJson.parse(JSON.parse((await toolport(['config', 'cursor', 'runtime:secure', '--token', token, '--server', platform.url])).stdout));
    assert.deepEqual(cursor, { mcpServers: { secure: { url, headers: { Authorization: `Bearer ${token}` } } } });
    const vscode = vscodeMcpJson.parse(
      JSON.parse((await toolport(['config', 'vscode', 'runtime:secure', '--token', token, '--server', platform.url, '--name', 'tools'])).stdout),
    );
    assert.deepEqual(vscode, { servers: { tools: { type: 'http', url, headers: { Authorization: `Bearer ${token}` } } } });

    // The printed header really opens the endpoint: what Claude Code would send is accepted.
    const tools = await toolport(['tools', url, '--token', token, '--json']);
    assert.equal(tools.code, 0, tools.stderr);
  });

  it('sets up OAuth without a header when the issuer lets clients register themselves, and nothing for an open endpoint', async () => {
    const url = invocationUrl(platform, 'guarded').href;
    const oauth = await toolport(['config', 'claude-code', 'runtime:guarded', '--server', platform.url]);
    assert.equal(oauth.code, 0, oauth.stderr);
    const [add, hint] = oauth.stdout.trimEnd().split('\n');
    assert.equal(add, `claude mcp add --transport http guarded '${url}'`);
    assert.match(hint ?? '', new RegExp(`^# then run /mcp in Claude Code .* signs in with ${platform.url}/identity in your browser \\(registering itself\\)$`));
    assert.deepEqual(
      claudeMcpJson.parse(JSON.parse((await toolport(['config', 'claude-code', 'runtime:guarded', '--server', platform.url, '--json'])).stdout)),
      {
        mcpServers: { guarded: { type: 'http', url } },
      },
    );

    const preregistered = await toolport([
      'config',
      'claude-code',
      'runtime:guarded',
      '--auth',
      'mcp',
      '--client-id',
      'demo-cli',
      '--redirect-uri',
      'http://localhost:3000/callback',
      '--server',
      platform.url,
    ]);
    assert.equal(preregistered.stdout.split('\n')[0], `claude mcp add --transport http --client-id demo-cli --callback-port 3000 guarded '${url}'`);
    const preregisteredJson = claudeMcpJson.parse(
      JSON.parse(
        (
          await toolport([
            'config',
            'claude-code',
            'runtime:guarded',
            '--auth',
            'mcp',
            '--client-id',
            'demo-cli',
            '--redirect-uri',
            'http://localhost:3000/callback',
            '--server',
            platform.url,
            '--json',
          ])
        ).stdout,
      ),
    );
    assert.deepEqual(preregisteredJson.mcpServers.guarded, { type: 'http', url, oauth: { clientId: 'demo-cli', callbackPort: 3000 } });

    const open = await toolport(['config', 'vscode', `${platform.url}/runtimes/greet/invocations?qualifier=DEFAULT`]);
    assert.equal(open.code, 0, open.stderr);
    assert.deepEqual(vscodeMcpJson.parse(JSON.parse(open.stdout)), { servers: { greet: { type: 'http', url: invocationUrl(platform, 'greet').href } } });
    assert.equal(open.stderr, 'add to .vscode/mcp.json:\n');
  });

  it('says what to do when no setup can work', async () => {
    const noRegistration = await toolport(['config', 'claude-code', 'runtime:secure', '--server', platform.url]);
    assert.equal(noRegistration.code, 2);
    assert.match(noRegistration.stderr, new RegExp(`is protected by ${issuer.issuer}, which does not let clients register themselves: pass a token`));
    const sigv4 = await toolport(['config', 'cursor', 'runtime:greet', '--auth', 'sigv4', '--server', platform.url]);
    assert.match(sigv4.stderr, /cannot sign requests with AWS SigV4/);
    const unknown = await toolport(['config', 'zed', 'runtime:greet', '--server', platform.url]);
    assert.match(unknown.stderr, /unknown client "zed": use claude-code, cursor, vscode/);
    const down = await toolport(['config', 'claude-code', 'http://127.0.0.1:9/mcp']);
    assert.match(down.stderr, /cannot reach http:\/\/127\.0\.0\.1:9 .*toolport up/);
  });
});
