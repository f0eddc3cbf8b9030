import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { signRequest, sigv4Fetch } from '../../src/client/sigv4.js';
import { AuthError, SigV4Authorizer, type NewAccessKey } from '../../src/identity/index.js';
import { createLogger } from '../../src/log/index.js';
import { GREET_COMMAND, invocationUrl, testPlatform, textOf } from '../helpers/platform.js';

/*
 * AWS's Signature V4 test suites (test/fixtures/sigv4/, Apache-2.0): the classic suite (botocore) and the AWS Common
 * Runtime's (aws-c-auth v4, header signing). Every case is signed with Toolport's client signer (which takes a fetch
 * Request) and the classic signed requests are verified by the inbound SigV4 authorizer, except these, whose feature
 * cannot occur in a request either of them handles:
 * - get-header-key-duplicate, get-header-value-order: repeated header lines. fetch `Headers` (and Node's incoming
 *   headers) merge them into one `a, b` value, which is what goes on the wire; the vectors' canonical `a,b` is for
 *   separate lines.
 * - get-header-value-multiline: an obs-folded header value; fetch refuses it as invalid (RFC 9110 §5.5 forbids it).
 * - get-utf8, normalize-path/get-space: a raw `ሴ` / space in the request path. A fetch URL carries them
 *   percent-encoded, and for non-S3 services SigV4 encodes the wire path once more (as AWS SDKs do for AgentCore's
 *   `%3A`-encoded ARNs), so these raw-path vectors describe input no URL can hold.
 * Verifier only (the signer passes them): get-vanilla-with-session-token, post-sts-header-before and
 * post-sts-header-after carry X-Amz-Security-Token; Toolport issues no temporary credentials and refuses session
 * tokens by design.
 * aws-c-auth only: the seven `*-unnormalized` cases sign the path without normalisation, which SigV4 does only for
 * S3 (AgentCore's requests are normalised, and so is every fetch URL); post-sts-header-after (`omit_session_token`)
 * adds the token after signing, which AWS's signer never does. The `query-*` (presigned URL) outputs are not used:
 * neither side presigns.
 */
const SUITE = join(import.meta.dirname, '../fixtures/sigv4/aws-sig-v4-test-suite');
const NOT_REPRESENTABLE = new Set(['get-header-key-duplicate', 'get-header-value-order', 'get-header-value-multiline', 'get-utf8', 'get-space']);
const SESSION_TOKEN_CASES = new Set(['get-vanilla-with-session-token', 'post-sts-header-before', 'post-sts-header-after']);
const EXAMPLE_KEY = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' };
const EXAMPLE_TOKEN = '6e86291e8372ff2a2260956d9b8aae1d763fbf315fa00fa31553b73ebf194267';
const SIGNED_AT = new Date('2015-08-30T12:36:00Z');

interface RawRequest {
  method: string;
  target: string;
  headers: [string, string][];
  body: string;
}

/** Parses a `.req`/`.sreq` file: request line, `Name:value` lines (continuations kept), blank line, body. */
function parseRequest(text: string): RawRequest {
  const split = text.indexOf('\n\n');
  const head = split < 0 ? text : text.slice(0, split);
  const [requestLine = '', ...lines] = head.split('\n');
  const words = requestLine.split(' ');
  const headers: [string, string][] = [];
  for (const line of lines) {
    if (!line) continue;
    const last = headers[headers.length - 1];
    if (/^\s/.test(line) && last) last[1] += `\n${line}`;
    else headers.push([line.slice(0, line.indexOf(':')), line.slice(line.indexOf(':') + 1)]);
  }
  return { method: words[0] ?? '', target: words.slice(1, -1).join(' '), headers, body: split < 0 ? '' : text.slice(split + 2) };
}

function suiteCases(): string[] {
  const found: string[] = [];
  const visit = (dir: string, prefix: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (!entry.isDirectory()) continue;
      if (existsSync(join(dir, entry.name, `${entry.name}.req`))) found.push(`${prefix}${entry.name}`);
      else visit(join(dir, entry.name), `${prefix}${entry.name}/`);
    }
  };
  visit(SUITE, '');
  return found.sort();
}

const read = (path: string, ext: string): string => readFileSync(join(SUITE, path, `${path.split('/').pop() as string}.${ext}`), 'utf8');
const caseName = (path: string): string => path.split('/').pop() as string;

describe('SigV4 against AWS test suite vectors', () => {
  const cases = suiteCases();

  it('finds the whole suite (34 cases)', () => {
    assert.equal(cases.length, 34);
  });

  it('the client signer produces the expected Authorization header for every applicable vector', async () => {
    let checked = 0;
    for (const path of cases.filter((c) => !NOT_REPRESENTABLE.has(caseName(c)))) {
      const request = parseRequest(read(path, 'req'));
      const headers = new Headers();
      // The signer adds Host (from the URL) and X-Amz-Date (from the signing date) itself.
      for (const [name, value] of request.headers) if (!/^(host|x-amz-date)$/i.test(name)) headers.append(name, value);
      const credentials = caseName(path) === 'get-vanilla-with-session-token' ? { ...EXAMPLE_KEY, sessionToken: EXAMPLE_TOKEN } : EXAMPLE_KEY;
      const signed = await signRequest(
        `https://example.amazonaws.com${request.target}`,
        { method: request.method, headers, ...(request.body ? { body: request.body } : {}) },
        { region: 'us-east-1', service: 'service', credentials, signingDate: SIGNED_AT, signBody: false, invocationId: false },
      );
      assert.equal(signed.headers.get('authorization'), read(path, 'authz'), path);
      checked++;
    }
    assert.equal(checked, 29);
  });

  it('the inbound authorizer accepts every applicable signed request (.sreq)', async () => {
    const keys = {
      secretOf: async (id: string) => (id === EXAMPLE_KEY.accessKeyId ? { secretAccessKey: EXAMPLE_KEY.secretAccessKey, owner: 'example' } : undefined),
    };
    let checked = 0;
    for (const path of cases.filter((c) => !NOT_REPRESENTABLE.has(caseName(c)) && !SESSION_TOKEN_CASES.has(caseName(c)))) {
      // One authorizer per vector: several vectors normalise to the same request, so their signatures are equal.
      const authorizer = new SigV4Authorizer({}, keys, { service: 'service', now: () => SIGNED_AT });
      const request = parseRequest(read(path, 'sreq'));
      const headers = Object.fromEntries(request.headers.map(([name, value]) => [name.toLowerCase(), value.trim()]));
      const principal = await authorizer.authenticate({
        method: request.method,
        url: new URL(`https://${headers.host as string}${request.target}`),
        headers,
        body: async () => Buffer.from(request.body),
      });
      assert.equal(principal.subject, 'example', path);
      checked++;
    }
    assert.equal(checked, 26);
  });

  it('the inbound authorizer refuses a vector request whose signed header was changed', async () => {
    const authorizer = new SigV4Authorizer(
      {},
      { secretOf: async () => ({ secretAccessKey: EXAMPLE_KEY.secretAccessKey, owner: 'example' }) },
      { service: 'service', now: () => SIGNED_AT },
    );
    const request = parseRequest(read('post-header-value-case', 'sreq'));
    const headers = Object.fromEntries(request.headers.map(([name, value]) => [name.toLowerCase(), value]));
    await assert.rejects(
      authorizer.authenticate({
        method: 'POST',
        url: new URL('https://example.amazonaws.com/'),
        headers: { ...headers, 'my-header1': 'VALUE2' },
        body: async () => Buffer.alloc(0),
      }),
      (error: AuthError) => error.message.startsWith('the signature does not match'),
    );
  });
});

describe('SigV4 against the AWS Common Runtime suite (aws-c-auth v4, header signing)', () => {
  const root = join(import.meta.dirname, '../fixtures/sigv4/aws-c-auth/v4');
  const cases = readdirSync(root).sort();

  it('the client signer produces the expected signature for every applicable case', async () => {
    let checked = 0;
    for (const name of cases) {
      const context = JSON.parse(readFileSync(join(root, name, 'context.json'), 'utf8')) as {
        credentials: { access_key_id: string; secret_access_key: string; token?: string };
        normalize: boolean;
        sign_body: boolean;
        omit_session_token?: boolean;
        timestamp: string;
      };
      const base = name.replace(/-(normalized|unnormalized)$/, '');
      if (!context.normalize || context.omit_session_token || NOT_REPRESENTABLE.has(base)) continue;
      const request = parseRequest(readFileSync(join(root, name, 'request.txt'), 'utf8'));
      const headers = new Headers();
      for (const [header, value] of request.headers) if (!/^host$/i.test(header)) headers.append(header, value);
      const { access_key_id, secret_access_key, token } = context.credentials;
      const signed = await signRequest(
        `https://example.amazonaws.com${request.target}`,
        { method: request.method, headers, ...(request.body ? { body: request.body } : {}) },
        {
          region: 'us-east-1',
          service: 'service',
          credentials: { accessKeyId: access_key_id, secretAccessKey: secret_access_key, ...(token ? { sessionToken: token } : {}) },
          signingDate: new Date(context.timestamp),
          signBody: context.sign_body,
          invocationId: false,
        },
      );
      const expected = readFileSync(join(root, name, 'header-signature.txt'), 'utf8').trim();
      assert.equal(/Signature=([0-9a-f]{64})$/.exec(signed.headers.get('authorization') ?? '')?.[1], expected, name);
      checked++;
    }
    assert.equal(checked, 25);
  });
});

describe('a SigV4-protected runtime', () => {
  let platform: Awaited<ReturnType<typeof testPlatform>>;
  let key: NewAccessKey;
  const logLines: string[] = [];
  const INIT = {
    jsonrpc: '2.0',
    id: 1,
    method: 'initialize',
    params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
  };
  const MCP_HEADERS = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
  const url = (): string => invocationUrl(platform, 'signed').toString();
  const signedInit = (options: { secret?: string; accessKeyId?: string; signingDate?: Date; signBody?: boolean } = {}): Promise<Request> =>
    signRequest(
      url(),
      { method: 'POST', headers: MCP_HEADERS, body: JSON.stringify(INIT) },
      {
        region: 'us-east-1',
        credentials: { accessKeyId: options.accessKeyId ?? key.accessKeyId, secretAccessKey: options.secret ?? key.secretAccessKey },
        ...(options.signingDate ? { signingDate: options.signingDate } : {}),
        ...(options.signBody === undefined ? {} : { signBody: options.signBody }),
      },
    );
  const refusal = async (response: Response): Promise<{ status: number; message: string }> => ({
    status: response.status,
    message: ((await response.json()) as { error: { message: string } }).error.message,
  });

  before(async () => {
    platform = await testPlatform({ logger: createLogger('info', (line) => logLines.push(line)) });
    key = await platform.accessKeys.create({ owner: 'alice', description: 'sigv4 test' });
    await platform.control.createRuntime('signed', { command: GREET_COMMAND, auth: { sigv4: { region: 'us-east-1' } }, sessions: { warmPool: 1 } });
  });
  after(async () => {
    await platform.stop();
  });

  it('serves the MCP SDK client through the client signer, as the key owner', async () => {
    const client = new Client({ name: 'signed', version: '1' });
    const transport = new StreamableHTTPClientTransport(new URL(url()), {
      fetch: sigv4Fetch({ region: 'us-east-1', credentials: { accessKeyId: key.accessKeyId, secretAccessKey: key.secretAccessKey } }),
    });
    await client.connect(transport);
    assert.equal(
      textOf(await client.callTool({ name: 'greet_user', arguments: { name: 'Alice' } })),
      'Hello, Alice! Nice to meet you. This is a test message.',
    );
    await transport.terminateSession();
    await client.close();
    assert.ok(
      logLines.some((line) => line.includes('"subject":"alice"')),
      'requests are logged with the key owner as subject',
    );
    assert.ok(!logLines.some((line) => line.includes(key.secretAccessKey)), 'the secret is never logged');
  });

  it("signs with credentials from AWS's default provider chain (here: the environment)", async () => {
    const saved = { id: process.env.AWS_ACCESS_KEY_ID, secret: process.env.AWS_SECRET_ACCESS_KEY };
    process.env.AWS_ACCESS_KEY_ID = key.accessKeyId;
    process.env.AWS_SECRET_ACCESS_KEY = key.secretAccessKey;
    try {
      const response = await sigv4Fetch({ region: 'us-east-1' })(url(), { method: 'POST', headers: MCP_HEADERS, body: JSON.stringify(INIT) });
      assert.equal(response.status, 200);
      await response.body?.cancel();
    } finally {
      for (const [name, value] of [
        ['AWS_ACCESS_KEY_ID', saved.id],
        ['AWS_SECRET_ACCESS_KEY', saved.secret],
      ] as const) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    }
  });

  it('refuses an unsigned request', async () => {
    const response = await fetch(url(), { method: 'POST', headers: MCP_HEADERS, body: JSON.stringify(INIT) });
    assert.deepEqual(await refusal(response), {
      status: 401,
      message: 'this resource requires AWS Signature V4 (Authorization: AWS4-HMAC-SHA256 ...) for service bedrock-agentcore',
    });
  });

  it('refuses a signature made with the wrong secret', async () => {
    const response = await fetch(await signedInit({ secret: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' }));
    assert.deepEqual(await refusal(response), {
      status: 401,
      message: 'the signature does not match: check the secret access key, and that the method, URL, signed headers and body are sent exactly as signed',
    });
  });

  it('refuses a request signed more than 5 minutes ago', async () => {
    const signingDate = new Date(Math.floor(Date.now() / 1000) * 1000 - 6 * 60_000);
    const { status, message } = await refusal(await fetch(await signedInit({ signingDate })));
    assert.equal(status, 401);
    const serverTime = /\(([^)]+)\); sign each/.exec(message)?.[1] ?? '';
    assert.equal(
      message,
      `the request was signed at ${signingDate.toISOString()}, more than 5 minutes from this server's time (${serverTime}); sign each request just before sending it, and check the clock`,
    );
    assert.ok(Math.abs(Date.parse(serverTime) - Date.now()) < 60_000);
  });

  it('refuses an altered body, whether or not the body hash was signed as a header', async () => {
    const altered = JSON.stringify({ ...INIT, id: 2 });
    const withHash = await signedInit();
    assert.deepEqual(await refusal(await fetch(withHash.url, { method: 'POST', headers: withHash.headers, body: altered })), {
      status: 401,
      message: 'the body does not match its signed X-Amz-Content-Sha256 hash; it was altered after signing, or the payload was not signed',
    });
    const withoutHash = await signedInit({ signBody: false });
    assert.equal(withoutHash.headers.get('x-amz-content-sha256'), null);
    const { status, message } = await refusal(await fetch(withoutHash.url, { method: 'POST', headers: withoutHash.headers, body: altered }));
    assert.equal(status, 401);
    assert.match(message, /^the signature does not match: /);
  });

  it('refuses a replayed signature', async () => {
    const original = await signedInit();
    const replay = original.clone();
    const first = await fetch(original);
    assert.equal(first.status, 200);
    await first.body?.cancel();
    assert.deepEqual(await refusal(await fetch(replay)), {
      status: 401,
      message: 'this signature was already used; sign every request anew (replayed requests are refused)',
    });
  });

  it('refuses an unknown access key, and a deleted one at once', async () => {
    assert.deepEqual(await refusal(await fetch(await signedInit({ accessKeyId: 'TPAKUNKNOWNUNKNOWN00' }))), {
      status: 401,
      message: 'the access key TPAKUNKNOWNUNKNOWN00 is not known here; create one with: toolport identity access-key create --owner NAME',
    });
    const doomed = await platform.accessKeys.create({ owner: 'bob' });
    const before = await fetch(await signedInit({ accessKeyId: doomed.accessKeyId, secret: doomed.secretAccessKey }));
    assert.equal(before.status, 200);
    await before.body?.cancel();
    assert.equal(await platform.accessKeys.delete(doomed.accessKeyId), true);
    const afterDelete = await refusal(await fetch(await signedInit({ accessKeyId: doomed.accessKeyId, secret: doomed.secretAccessKey })));
    assert.equal(afterDelete.status, 401);
    assert.match(afterDelete.message, /^the access key TPAK[A-Z2-7]{16} is not known here/);
  });

  it('refuses a signature scoped to another region or service', async () => {
    const otherRegion = await signRequest(url(), { method: 'POST', headers: MCP_HEADERS, body: '{}' }, { region: 'eu-west-1', credentials: key });
    assert.deepEqual(await refusal(await fetch(otherRegion)), {
      status: 401,
      message: 'the signature is scoped to region "eu-west-1"; this resource accepts "us-east-1"',
    });
    const otherService = await signRequest(
      url(),
      { method: 'POST', headers: MCP_HEADERS, body: '{}' },
      { region: 'us-east-1', service: 'execute-api', credentials: key },
    );
    assert.deepEqual(await refusal(await fetch(otherService)), {
      status: 401,
      message: 'the signature is scoped to service "execute-api"; sign for service "bedrock-agentcore"',
    });
  });
});
