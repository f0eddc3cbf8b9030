// The CLI's auth flags and its token/login/logout verbs, end to end: bin/toolport.js against Toolport Identity and
// runtimes (JWT and SigV4), the browser sign-in driven in headless Chromium from the URL the CLI prints.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { GREET_COMMAND, testPlatform } from '../helpers/platform.js';
import { launchBrowser, signInWithBrowser } from '../helpers/browser.js';
import { toolport, type CliRun } from '../helpers/cli.js';
import { Teardown } from '../helpers/teardown.js';
import { identityApi } from '../identity/server-helpers.js';

type Platform = Awaited<ReturnType<typeof testPlatform>>;

/** Runs the CLI, hands the sign-in URL it prints on stderr to `onUrl`, and resolves when it exits. */
function toolportWithSignIn(args: string[], env: Record<string, string>, onUrl: (url: URL) => Promise<void>): Promise<CliRun> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['bin/toolport.js', ...args], { env: { ...process.env, TOOLPORT_TOKEN: '', ...env } });
    let stdout = '';
    let stderr = '';
    let signing: Promise<void> | undefined;
    const timer = setTimeout(() => child.kill(), 60_000);
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      const url = /https?:\/\/\S+\/auth\?\S+/.exec(stderr)?.[0];
      if (url && !signing) signing = onUrl(new URL(url));
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      void Promise.resolve(signing).then(() => resolve({ code: code ?? 1, stdout, stderr }));
    });
  });
}

describe('toolport auth flags, token, login and logout', () => {
  let platform: Platform;
  let browser: Browser;
  let home: string;
  let m2mSecret: string;
  let discoveryUrl: string;
  let aws: { accessKeyId: string; secretAccessKey: string };
  const env = (): Record<string, string> => ({ TOOLPORT_HOME: home });
  const m2mFlags = (): string[] => [
    '--server',
    platform.url,
    '--auth',
    'm2m',
    '--discovery-url',
    discoveryUrl,
    '--client-id',
    'm2m',
    '--scope',
    'gateway/read',
  ];

  const teardown = new Teardown();
  before(() =>
    teardown.setup(async () => {
      home = await mkdtemp(join(tmpdir(), 'toolport-home-'));
      teardown.add(() => rm(home, { recursive: true, force: true }));
      platform = await testPlatform();
      teardown.add(() => platform.stop());
      discoveryUrl = `${platform.url}/identity/.well-known/openid-configuration`;
      await identityApi(platform, 'POST', '/resource-servers', { identifier: 'gateway', scopes: ['read', 'write'] });
      await identityApi(platform, 'POST', '/users', { username: 'alice', password: 'wonderland-1' });
      m2mSecret = (await identityApi(platform, 'POST', '/clients', { clientId: 'm2m', grants: ['client_credentials'], scopes: ['gateway/read'] })).body
        .secret as string;
      await identityApi(platform, 'POST', '/clients', {
        clientId: 'cli',
        grants: ['authorization_code', 'refresh_token'],
        secret: false,
        scopes: ['gateway/read'],
        redirectUris: ['http://127.0.0.1/callback'],
      });
      const sessions = { warmPool: 0 };
      await platform.control.createRuntime('secure', { command: GREET_COMMAND, sessions, auth: { jwt: { discoveryUrl, allowedClients: ['m2m', 'cli'] } } });
      await platform.control.createRuntime('signed', { command: GREET_COMMAND, sessions, auth: { sigv4: { region: 'us-east-1' } } });
      aws = await platform.accessKeys.create({ owner: 'cli-test', description: 'client sigv4 mode' });
      browser = await launchBrowser();
      teardown.add(() => browser.close());
    }),
  );
  after(() => teardown.run());

  it('m2m: token prints a JWT, MCP verbs use the cached one, logout forgets it', async () => {
    const token = await toolport(['token', 'runtime:secure', ...m2mFlags()], { ...env(), TOOLPORT_CLIENT_SECRET: m2mSecret });
    assert.equal(token.code, 0, token.stderr);
    assert.match(token.stdout, /^ey[\w-]+\.[\w-]+\.[\w-]+\n$/);
    const json = await toolport(['token', 'runtime:secure', ...m2mFlags(), '--json'], { ...env(), TOOLPORT_CLIENT_SECRET: m2mSecret });
    const parsed = JSON.parse(json.stdout) as { accessToken: string; expiresAt: string; issuer: string };
    assert.equal(parsed.accessToken, token.stdout.trim(), 'the cached token, not a new one');
    assert.ok(Date.parse(parsed.expiresAt) > Date.now());

    const call = await toolport(['call', 'runtime:secure', 'greet_user', '--arg', 'name=CLI', ...m2mFlags(), '--client-secret', m2mSecret], env());
    assert.equal(call.code, 0, call.stderr);
    assert.equal(call.stdout, 'Hello, CLI! Nice to meet you. This is a test message.\n');
    assert.equal((await readdir(join(home, 'tokens'))).length, 1);

    const out = await toolport(['logout', 'runtime:secure', ...m2mFlags()], env());
    assert.equal(out.stdout, 'signed out (1 cached token removed)\n');
    assert.equal((await toolport(['logout', 'runtime:secure', ...m2mFlags()], env())).stdout, 'no cached token for these flags\n');
  });

  it('infers the mode from the flags, and names the issuer and the fix when it refuses', async () => {
    const inferred = await toolport(
      [
        'tools',
        'runtime:secure',
        '--server',
        platform.url,
        '--token-url',
        `${platform.url}/identity/token`,
        '--client-id',
        'm2m',
        '--client-secret',
        m2mSecret,
        '--json',
      ],
      env(),
    );
    assert.equal(inferred.code, 0, inferred.stderr);
    assert.ok((JSON.parse(inferred.stdout) as { name: string }[]).some((tool) => tool.name === 'greet_user'));

    const refused = await toolport(['tools', 'runtime:secure', ...m2mFlags(), '--client-secret', 'wrong', '--scope', 'gateway/write'], env());
    assert.equal(refused.code, 3);
    assert.match(
      refused.stderr,
      new RegExp(
        `^toolport: client credentials refused by issuer ${platform.url}/identity \\(invalid_client.*\\) — check --client-id, --client-secret and --scope\\n$`,
      ),
    );
    const unknown = await toolport(['tools', 'runtime:secure', '--auth', 'kerberos'], env());
    assert.match(unknown.stderr, /--auth must be one of none, bearer, oauth, mcp, m2m, password, sigv4, got "kerberos"/);
  });

  it('login: browser sign-in from the printed URL (--no-browser), then verbs reuse the token without a browser', async () => {
    const flags = ['--server', platform.url, '--auth', 'oauth', '--discovery-url', discoveryUrl, '--client-id', 'cli', '--scope', 'gateway/read'];
    const login = await toolportWithSignIn(['login', 'runtime:secure', ...flags, '--no-browser'], env(), (url) => signInWithBrowser(browser, url));
    assert.equal(login.code, 0, login.stderr);
    assert.match(login.stderr, /Sign in at this URL/);
    assert.match(login.stdout, new RegExp(`^signed in to ${platform.url}/identity \\(oauth\\); token cached, expires \\d{4}-`));

    const call = await toolport(['call', 'runtime:secure', 'slow_count', '--arg', 'steps=2', '--arg', 'intervalMs=10', ...flags, '--no-browser'], env());
    assert.equal(call.code, 0, call.stderr);
    assert.equal(call.stdout, 'counted to 2\n');
    assert.match(call.stderr, /^progress 1\/2 counted 1 of 2\nprogress 2\/2 counted 2 of 2\n$/, 'progress on stderr, and no sign-in prompt');
  });

  it('sigv4: signs with AWS credentials from the standard provider chain; without any, says how to provide them', async () => {
    const awsEnv = { ...env(), AWS_ACCESS_KEY_ID: aws.accessKeyId, AWS_SECRET_ACCESS_KEY: aws.secretAccessKey, AWS_EC2_METADATA_DISABLED: 'true' };
    const signed = await toolport(
      ['call', 'runtime:signed', 'greet_user', '--arg', 'name=Signed', '--server', platform.url, '--auth', 'sigv4', '--region', 'us-east-1'],
      awsEnv,
    );
    assert.equal(signed.code, 0, signed.stderr);
    assert.match(signed.stdout, /Hello, Signed!/);

    const noCredentials = await toolport(['tools', 'runtime:signed', '--server', platform.url, '--auth', 'sigv4', '--region', 'us-east-1'], {
      ...env(),
      AWS_ACCESS_KEY_ID: '',
      AWS_SECRET_ACCESS_KEY: '',
      AWS_PROFILE: 'none-such',
      AWS_SHARED_CREDENTIALS_FILE: join(home, 'no-credentials'),
      AWS_CONFIG_FILE: join(home, 'no-config'),
      AWS_EC2_METADATA_DISABLED: 'true',
    });
    assert.equal(noCredentials.code, 3);
    assert.match(noCredentials.stderr, /cannot sign for AWS .* — set AWS_PROFILE or AWS_ACCESS_KEY_ID\/AWS_SECRET_ACCESS_KEY, or run `aws sso login`/);
  });

  it('a per-request --timeout ends a call that runs longer, with the fix', async () => {
    const slow = await toolport(
      [
        'call',
        'runtime:secure',
        'slow_count',
        '--arg',
        'steps=1',
        '--arg',
        'intervalMs=3000',
        ...m2mFlags(),
        '--client-secret',
        m2mSecret,
        '--timeout',
        '500ms',
      ],
      env(),
    );
    assert.equal(slow.code, 1);
    assert.match(slow.stderr, /no answer within 500 ms — raise --timeout/);
  });
});
