import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, configJsonSchema, loadConfig } from '../../src/config/index.js';
import { GREET_COMMAND, testPlatform } from '../helpers/platform.js';

const folder = await mkdtemp(join(tmpdir(), 'toolport-strict-'));
after(() => rm(folder, { recursive: true, force: true }));

/** The ConfigError that loading this YAML raises. */
async function loadError(yaml: string): Promise<ConfigError> {
  const file = join(folder, 'toolport.yaml');
  await writeFile(file, yaml);
  const error = await loadConfig(file).then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  assert.ok(error instanceof ConfigError, `expected a ConfigError, got ${String(error)}`);
  return error;
}

/** JSON paths of every object in a JSON Schema that does not say what to do with keys it does not list. */
function openObjects(node: unknown, path = '$', found: string[] = []): string[] {
  if (Array.isArray(node)) {
    node.forEach((child, index) => openObjects(child, `${path}[${index}]`, found));
  } else if (node && typeof node === 'object') {
    const schema = node as Record<string, unknown>;
    const isObject = schema.type === 'object' || schema.properties !== undefined;
    if (isObject && (schema.additionalProperties === undefined || schema.additionalProperties === true)) found.push(path);
    for (const [key, child] of Object.entries(schema)) openObjects(child, `${path}.${key}`, found);
  }
  return found;
}

describe('config keys are checked, not swallowed', () => {
  it('names a misspelt key with its path and the key it most likely means', async () => {
    const error = await loadError(`runtimes:\n  - name: greet\n    command: [node, greet/server.js]\n    sesions: { warmPool: 0 }\n`);
    assert.deepEqual(error.issues, [{ path: 'runtimes[0].sesions', message: 'unknown key "sesions" (did you mean "sessions"?)' }]);
    assert.match(error.message, /runtimes\[0\]\.sesions: unknown key "sesions" \(did you mean "sessions"\?\)/);
  });

  it('checks nested sections, auth forms, gateways and identity alike', async () => {
    const error = await loadError(
      [
        'server: { prot: 8080 }',
        'identity: { users: [{ username: a, password: b, mail: a@example.com }] }',
        'runtimes:',
        '  - name: a',
        '    command: [node, x.js]',
        '    sessions: { warmpool: 1 }',
        '    auth: { jwt: { discoveryUrl: /identity/.well-known/openid-configuration, allowedClient: [x], allowedAudiences: [y] } }',
        'gateways:',
        '  - { name: g, serch: true }',
        'credentails: []',
      ].join('\n'),
    );
    const byPath = Object.fromEntries(error.issues.map((issue) => [issue.path, issue.message]));
    assert.deepEqual(byPath, {
      'server.prot': 'unknown key "prot" (did you mean "port"?)',
      'identity.users[0].mail': 'unknown key "mail" (did you mean "email"?)',
      'runtimes[0].sessions.warmpool': 'unknown key "warmpool" (did you mean "warmPool"?)',
      'runtimes[0].auth.jwt.allowedClient': 'unknown key "allowedClient" (did you mean "allowedClients"?)',
      'gateways[0].serch': 'unknown key "serch" (did you mean "search"?)',
      credentails: 'unknown key "credentails" (did you mean "credentials"?)',
    });
  });

  it('lists the known keys when nothing is close', async () => {
    const error = await loadError('runtimes:\n  - { name: a, command: [node, x.js], auth: { jwt: { discoveryUrl: /x, allowedClients: [c] }, zzzzzz: 1 } }\n');
    assert.deepEqual(error.issues, [{ path: 'runtimes[0].auth.zzzzzz', message: 'unknown key "zzzzzz"; known keys: jwt' }]);
  });

  it('publishes a JSON Schema in which every object is closed (additionalProperties: false, or an explicit map)', () => {
    assert.deepEqual(openObjects(configJsonSchema()), []);
  });
});

describe('control-plane bodies are checked the same way', () => {
  const platformReady = testPlatform();
  after(async () => (await platformReady).stop());

  async function send(method: string, path: string, body: unknown): Promise<{ status: number; error: { message: string; details?: { path: string }[] } }> {
    const platform = await platformReady;
    const response = await fetch(`${platform.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${platform.adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: response.status, ...((await response.json()) as { error: { message: string } }) };
  }

  it('answers 400 naming an unknown runtime key and its likely meaning', async () => {
    const reply = await send('POST', '/api/runtimes', { name: 'typo', command: GREET_COMMAND, sesions: { warmPool: 0 } });
    assert.equal(reply.status, 400);
    assert.match(reply.error.message, /sesions: unknown key "sesions" \(did you mean "sessions"\?\)/);
    assert.deepEqual(
      reply.error.details?.map((detail) => detail.path),
      ['sesions'],
    );
  });

  it('answers 400 for unknown keys in gateway and endpoint bodies', async () => {
    const gateway = await send('POST', '/api/gateways', { name: 'gw', serch: true });
    assert.equal(gateway.status, 400);
    assert.match(gateway.error.message, /did you mean "search"/);
    assert.equal((await send('POST', '/api/runtimes', { name: 'pinned', command: GREET_COMMAND, sessions: { warmPool: 0 } })).status, 201);
    const endpoint = await send('PUT', '/api/runtimes/pinned/endpoints/prod', { version: 1, verison: 2 });
    assert.equal(endpoint.status, 400);
    assert.match(endpoint.error.message, /verison: unknown key "verison" \(did you mean "version"\?\)/);
  });
});
