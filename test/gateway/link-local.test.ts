// Gateway targets are refused link-local and cloud metadata addresses (169.254.0.0/16, fe80::/10, fd00:ec2::254,
// 100.100.100.200 and their IPv4-mapped forms) at create and at every connection, unless a target sets
// `allowLinkLocal: true`. Nothing is ever sent to such an address: made-up `.test` names resolve through an injected
// lookup (the system's DNS never answers them), refusals happen before any socket, and every server reached listens
// on 127.0.0.1.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { LookupAddress } from 'node:dns';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fetch } from 'undici';
import { isLinkLocalOrMetadata, LinkLocalRefused, refuseLinkLocalUrl, targetAgent, type AddressLookup } from '../../src/gateway/addresses.js';
import { createOpenApiTarget } from '../../src/gateway/targets/openapi.js';
import { toolport } from '../helpers/cli.js';
import { serveFetch } from '../helpers/fetch-server.js';
import { testPlatform } from '../helpers/platform.js';
import { api, connectGateway } from './helpers.js';
import { startUpstream, textTools, type Upstream } from './upstream.js';

const METADATA = '169.254.169.254';

/** A lookup answering names in `hosts` (changeable mid-test); any other name is an error, so no real DNS is asked. */
function fakeDns(hosts: Map<string, string[]>): AddressLookup {
  return async (hostname) => {
    const addresses = hosts.get(hostname);
    if (!addresses) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
    return addresses.map((address): LookupAddress => ({ address, family: isIP(address) }));
  };
}

/** A one-operation OpenAPI document whose server is `server`. */
function openApiDocument(server: string): string {
  return JSON.stringify({
    openapi: '3.0.3',
    info: { title: 'metadata', version: '1' },
    servers: [{ url: server }],
    paths: { '/latest/meta-data': { get: { operationId: 'readMetadata', responses: { '200': { description: 'ok' } } } } },
  });
}

describe('isLinkLocalOrMetadata', () => {
  const cases: [string, boolean][] = [
    ['169.254.169.254', true],
    ['169.254.0.1', true],
    ['169.254.255.255', true],
    ['100.100.100.200', true],
    ['fe80::1', true],
    ['febf:ffff::1', true],
    ['fd00:ec2::254', true],
    ['::ffff:169.254.1.1', true],
    ['::ffff:a9fe:a9fe', true],
    ['::ffff:100.100.100.200', true],
    ['127.0.0.1', false],
    ['::1', false],
    ['10.0.0.1', false],
    ['172.16.0.1', false],
    ['192.168.1.1', false],
    ['169.253.255.255', false],
    ['169.255.0.1', false],
    ['100.100.100.201', false],
    ['fec0::1', false],
    ['fd00:ec2::253', false],
    ['::ffff:127.0.0.1', false],
    ['8.8.8.8', false],
    ['metadata.test', false],
  ];
  for (const [address, refused] of cases) {
    it(`${address} → ${refused ? 'refused' : 'allowed'}`, () => assert.equal(isLinkLocalOrMetadata(address), refused));
  }
});

describe('refuseLinkLocalUrl', () => {
  const noDns: AddressLookup = () => assert.fail('a literal address needs no DNS');

  it('refuses literal link-local and metadata URLs without DNS', async () => {
    for (const url of [
      `http://${METADATA}/latest/`,
      'http://[fe80::1]:8080/',
      'http://[::ffff:169.254.1.1]/',
      'https://100.100.100.200/',
      'http://0xa9fea9fe/',
    ]) {
      await assert.rejects(refuseLinkLocalUrl(url, noDns), LinkLocalRefused, url);
    }
  });

  it('refuses a name when any of its addresses is refused; loopback, private and unresolvable names pass', async () => {
    const lookup = fakeDns(
      new Map([
        ['metadata.test', ['10.0.0.5', METADATA]],
        ['local.test', ['127.0.0.1', '192.168.1.2']],
      ]),
    );
    await assert.rejects(
      refuseLinkLocalUrl('http://metadata.test/', lookup),
      /metadata\.test resolves to 169\.254\.169\.254, which is a link-local or cloud metadata address; set allowLinkLocal: true/,
    );
    await refuseLinkLocalUrl('http://local.test/', lookup);
    await refuseLinkLocalUrl('http://nowhere.test/', lookup);
    await refuseLinkLocalUrl('http://127.0.0.1:9/', noDns);
    await refuseLinkLocalUrl('specs/local.yaml', noDns);
  });
});

describe('targetAgent', () => {
  it('refuses a literal link-local address before connecting, and a name at connect time', async () => {
    const agent = targetAgent({ lookup: fakeDns(new Map([['metadata.test', [METADATA]]])) });
    try {
      for (const url of [`http://${METADATA}/`, 'http://[::ffff:169.254.169.254]/', 'http://metadata.test/']) {
        const failure = await fetch(url, { dispatcher: agent }).then(
          () => assert.fail(`${url} was fetched`),
          (error: { cause?: unknown }) => error.cause,
        );
        assert.ok(failure instanceof LinkLocalRefused, `${url}: ${String(failure)}`);
      }
    } finally {
      await agent.close();
    }
  });
});

describe('OpenAPI external $refs', () => {
  it("are fetched through the target's pool: a name the lookup maps to loopback resolves, a metadata address is refused", async () => {
    const document = (ref: string): string =>
      JSON.stringify({
        openapi: '3.0.3',
        info: { title: 'refs', version: '1' },
        servers: [{ url: 'http://127.0.0.1:9/' }],
        paths: {
          '/thing': {
            get: { operationId: 'getThing', parameters: [{ name: 'id', in: 'query', schema: { $ref: ref } }], responses: { '200': { description: 'ok' } } },
          },
        },
      });
    const server = await serveFetch(async (request) => {
      const { pathname, searchParams } = new URL(request.url);
      if (pathname === '/schemas.json') return Response.json({ Id: { type: 'string', description: 'from the network' } });
      return new Response(document(searchParams.get('ref') ?? ''), { headers: { 'content-type': 'application/json' } });
    });
    const lookup = fakeDns(
      new Map([
        ['docs.test', ['127.0.0.1']],
        ['metadata.test', [METADATA]],
      ]),
    );
    const docs = server.base.replace('127.0.0.1', 'docs.test');
    try {
      const source = `${docs}/openapi.json?ref=${encodeURIComponent(`${docs}/schemas.json#/Id`)}`;
      const target = await createOpenApiTarget({ source }, { baseDir: tmpdir(), timeoutMs: 5000, lookup });
      const [tool] = (await target.catalog(AbortSignal.timeout(5000))).tools;
      assert.match(JSON.stringify(tool?.inputSchema), /from the network/);
      await target.close();
      const refused = `${docs}/openapi.json?ref=${encodeURIComponent('http://metadata.test/latest/meta-data#/Id')}`;
      await assert.rejects(
        createOpenApiTarget({ source: refused }, { baseDir: tmpdir(), timeoutMs: 5000, lookup }),
        /metadata\.test resolves to 169\.254\.169\.254/,
      );
    } finally {
      await server.close();
    }
  });
});

describe('gateway targets and link-local addresses', () => {
  const hosts = new Map<string, string[]>([['metadata.test', [METADATA]]]);
  let platform: Awaited<ReturnType<typeof testPlatform>>;
  let upstream: Upstream;
  let dir: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'toolport-link-local-'));
    platform = await testPlatform({ gatewayLookup: fakeDns(hosts) });
    upstream = await startUpstream({ tools: textTools('ping') });
    // debug: a refused call's error carries the reason, so the tests can tell a refusal from any other failure.
    assert.equal((await api(platform, 'POST', '/gateways', { name: 'g', auth: 'none', exceptionLevel: 'debug' })).status, 201);
  });

  after(async () => {
    await platform.stop();
    await upstream.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('/api refuses a target whose name resolves to a metadata address with 400 naming it and the setting', async () => {
    const created = await api(platform, 'POST', '/gateways', {
      name: 'meta',
      auth: 'none',
      targets: [{ name: 'imds', type: 'mcp', url: 'http://metadata.test/mcp' }],
    });
    assert.equal(created.status, 400);
    assert.match(
      created.body.error?.message ?? '',
      /gateway "meta", target "imds": metadata\.test resolves to 169\.254\.169\.254, which is a link-local or cloud metadata address; set allowLinkLocal: true/,
    );
    assert.equal((await api(platform, 'GET', '/gateways/meta')).status, 404, 'nothing was stored');
    const put = await api(platform, 'PUT', '/gateways/g/targets/fn', {
      type: 'function',
      http: { url: 'http://metadata.test/invoke', tools: [{ name: 'f', description: 'f', inputSchema: { type: 'object' } }] },
    });
    assert.equal(put.status, 400);
    assert.match(put.body.error?.message ?? '', /target "fn": metadata\.test resolves to 169\.254\.169\.254/);
  });

  it('the CLI refuses it too, and --allow-link-local permits it', async () => {
    const source = join(dir, 'local.json');
    await writeFile(source, openApiDocument('http://127.0.0.1:9/api'));
    const cli = ['--server', platform.url, '--token', platform.adminToken, '--json'];
    const add = ['target', 'add', 'g', 'cloud', '--source', source, '--base-url', 'http://metadata.test/api', ...cli];
    const refused = await toolport(add);
    assert.equal(refused.code, 1);
    // With --json the failure is one JSON object on stderr.
    const { error } = JSON.parse(refused.stderr) as { error: { message: string } };
    assert.match(error.message, /target "cloud": metadata\.test resolves to 169\.254\.169\.254.*allowLinkLocal: true/);
    // A file document and no call: the allowed target syncs without any request to the address.
    const allowed = await toolport([...add, '--allow-link-local']);
    assert.equal(allowed.code, 0, allowed.stderr);
    const status = JSON.parse(allowed.stdout) as { name: string; tools: number; stale: boolean };
    assert.deepEqual([status.name, status.tools, status.stale], ['cloud', 1, false]);
  });

  it("an OpenAPI document's own link-local server fails the target's sync unless allowed", async () => {
    const source = join(dir, 'metadata.json');
    await writeFile(source, openApiDocument('http://metadata.test/'));
    const refused = await api(platform, 'PUT', '/gateways/g/targets/doc', { type: 'openapi', source });
    assert.equal(refused.status, 200);
    assert.equal(refused.body.stale, true);
    assert.match(String(refused.body.lastError), /a server of the OpenAPI document .*metadata\.json: metadata\.test resolves to 169\.254\.169\.254/);
    const allowed = await api(platform, 'PUT', '/gateways/g/targets/doc', { type: 'openapi', source, allowLinkLocal: true });
    assert.equal(allowed.body.stale, false);
    assert.equal(allowed.body.tools, 1);
  });

  it('a name that resolved to loopback at create but to a metadata address at call time is refused at call time', async () => {
    hosts.set('rebind.test', ['127.0.0.1']);
    const created = await api(platform, 'PUT', '/gateways/g/targets/rebind', { type: 'mcp', url: `http://rebind.test:${upstream.port}/mcp` });
    assert.equal(created.status, 200);
    assert.equal(created.body.tools, 1, String(created.body.lastError));
    const client = await connectGateway(platform, 'g');
    try {
      hosts.set('rebind.test', [METADATA]);
      // The next request needs a new connection, and with it a new lookup.
      upstream.dropConnections();
      const reached = upstream.authorizations.length;
      const result = await client.callTool({ name: 'rebind___ping', arguments: { text: 'hi' } }).then(
        () => assert.fail('the call went through'),
        (error: Error) => error,
      );
      assert.match(result.message, /target "rebind" .*cannot be reached/);
      assert.match(String((result as { data?: { detail?: string } }).data?.detail), /rebind\.test resolves to 169\.254\.169\.254, which is a link-local/);
      assert.equal(upstream.authorizations.length, reached, 'no request reached the upstream');
      assert.deepEqual(upstream.calls, []);
    } finally {
      await client.close();
      hosts.set('rebind.test', ['127.0.0.1']);
    }
  });

  it('an http function is checked at call time as well: nothing reaches the endpoint', async () => {
    let requests = 0;
    const server = await serveFetch(async () => {
      requests += 1;
      return Response.json('hello');
    });
    try {
      hosts.set('function.test', ['127.0.0.1']);
      const url = `${server.base.replace('127.0.0.1', 'function.test')}/invoke`;
      const tools = [{ name: 'hello', description: 'says hello', inputSchema: { type: 'object' } }];
      assert.equal((await api(platform, 'PUT', '/gateways/g/targets/fn', { type: 'function', http: { url, tools } })).status, 200);
      const client = await connectGateway(platform, 'g');
      try {
        assert.equal((await client.callTool({ name: 'fn___hello', arguments: {} })).isError, undefined, 'loopback is allowed');
        assert.equal(requests, 1);
        hosts.set('function.test', [METADATA]);
        server.dropConnections();
        await assert.rejects(client.callTool({ name: 'fn___hello', arguments: {} }), /function\.test resolves to 169\.254\.169\.254, which is a link-local/);
        assert.equal(requests, 1, 'the refused call never reached the endpoint');
      } finally {
        await client.close();
      }
    } finally {
      await server.close();
    }
  });

  it('a toolport.yaml target that resolves to a metadata address stops start-up with a config error naming it', async () => {
    const config = join(dir, 'toolport.yaml');
    await writeFile(
      config,
      'gateways:\n  - name: cfg\n    auth: none\n    targets:\n      - name: imds\n        type: mcp\n        url: http://metadata.test/mcp\n',
    );
    await assert.rejects(testPlatform({ config, gatewayLookup: fakeDns(hosts) }), (error: Error) => {
      assert.match(error.message, /gateway "cfg", target "imds": metadata\.test resolves to 169\.254\.169\.254/);
      assert.equal((error as { code?: string }).code, 'invalid_config');
      return true;
    });
  });
});
