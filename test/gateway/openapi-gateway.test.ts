// openapi targets in use: the demo pet store (examples/openapi-petstore) as a child process, and a gateway
// (/gateways/{name}/mcp) in front of the local Petstore with its API key from Identity's vault.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { after, before, describe, it } from 'node:test';
import { testPlatform } from '../helpers/platform.js';
import { context, credentials, driver, property, REPO, textOf } from '../fixtures/openapi/driver.js';
import type { FixtureServer } from '../fixtures/openapi/fixture-server.js';
import { startPetstore } from '../fixtures/openapi/petstore.js';
import { api, connectGateway, type Era } from './helpers.js';
import { closeAll, stopChild } from '../helpers/teardown.js';

describe('the demo pet store (examples/openapi-petstore) behind an openapi target', () => {
  let server: ChildProcess;
  let base: string;

  before(async () => {
    server = spawn(process.execPath, ['examples/openapi-petstore/server.js', '--port', '0'], {
      cwd: REPO,
      env: { PATH: process.env.PATH ?? '', PETSTORE_API_KEY: 'demo-key' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const [line] = (await once(server.stdout!, 'data')) as [Buffer];
    const url = /listening on (http:\/\/\S+\/api)/.exec(line.toString())?.[1];
    assert.ok(url, `the server says where it listens: ${line.toString()}`);
    base = url;
  });
  after(() => stopChild(server));

  it('the document it serves becomes six tools, and calls change its in-memory store', async () => {
    // No baseUrl: the served document's server variable `port` defaults to the port the server listens on.
    const target = await driver({ source: `${base}/openapi.yaml` }, { credentials: credentials({ 'X-API-Key': 'demo-key' }) });
    const tools = new Map((await target.catalog(AbortSignal.timeout(5000))).tools.map((tool) => [tool.name, tool]));
    assert.deepEqual([...tools.keys()], ['listPets', 'addPet', 'getPetById', 'updatePet', 'deletePet', 'getInventory']);
    assert.deepEqual(
      Object.keys(property(tools.get('addPet'), 'body').properties as object),
      ['name', 'species', 'status', 'tags'],
      'the readOnly id is not an input',
    );

    const added = await target.callTool('addPet', { body: { name: 'Nemo', species: 'fish', tags: ['wet'] } }, context());
    const nemo = added.structuredContent as { id: number; status: string };
    assert.equal(nemo.status, 'available');
    const listed = await target.callTool('listPets', { tags: ['wet', 'lazy'], limit: 5 }, context());
    assert.deepEqual(
      (listed.structuredContent as { pets: { name: string }[] }).pets.map((pet) => pet.name),
      ['Tom', 'Nemo'],
    );
    await target.callTool('updatePet', { petId: nemo.id, body: { status: 'sold' } }, context());
    assert.deepEqual((await target.callTool('getInventory', {}, context())).structuredContent, { available: 1, pending: 1, sold: 2 });
    assert.deepEqual(await target.callTool('deletePet', { petId: nemo.id }, context()), { content: [{ type: 'text', text: 'HTTP 204 No Content' }] });
    const gone = await target.callTool('getPetById', { petId: nemo.id }, context());
    assert.equal(textOf(gone), `HTTP 404 Not Found: {"title":"no pet with id ${nemo.id}","status":404}`);
    await target.close();
  });

  it('its toolport.yaml starts a gateway "store" whose petstore___ tools come from the file document', async () => {
    const platform = await testPlatform({ config: 'examples/openapi-petstore/toolport.yaml' });
    try {
      const client = await connectGateway(platform, 'store');
      const names = (await client.listTools()).tools.map((tool) => tool.name);
      assert.deepEqual(
        names.filter((name) => name.startsWith('petstore___')),
        ['listPets', 'addPet', 'getPetById', 'updatePet', 'deletePet', 'getInventory'].map((name) => `petstore___${name}`),
      );
      await client.close();
    } finally {
      await platform.stop();
    }
  });

  it('the file document works with baseUrl; the inventory refuses a wrong key', async () => {
    const target = await driver({ source: 'examples/openapi-petstore/openapi.yaml', baseUrl: base }, { credentials: credentials({ 'X-API-Key': 'wrong' }) });
    const refused = await target.callTool('getInventory', {}, context());
    assert.equal(textOf(refused), 'HTTP 401 Unauthorized: {"title":"a valid X-API-Key header is required","status":401}');
    await target.close();
  });
});

describe('an openapi target behind a real gateway (/gateways/{name}/mcp), API key from the vault', () => {
  const API_KEY = 'vault-held-key';
  let platform: Awaited<ReturnType<typeof testPlatform>>;
  let petstore: FixtureServer;

  before(async () => {
    platform = await testPlatform();
    petstore = await startPetstore({ apiKey: API_KEY });
    const provider = await api(platform, 'POST', '/credentials/providers', { name: 'petstore-key', type: 'apiKey', apiKey: API_KEY });
    assert.equal(provider.status, 201, JSON.stringify(provider.body));
    const created = await api(platform, 'POST', '/gateways', {
      name: 'shop',
      targets: [
        {
          name: 'petstore',
          type: 'openapi',
          source: `${petstore.url}/api/v3/openapi.json`,
          exclude: ['*User*', 'logoutUser'],
          credentials: { provider: 'petstore-key', in: 'header', name: 'api_key' },
        },
      ],
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
  });
  after(() =>
    closeAll(
      () => platform?.stop(),
      () => petstore?.close(),
    ),
  );

  for (const era of ['legacy', 'modern'] as Era[]) {
    it(`a ${era} client lists the operations as petstore___ tools and calls them over HTTP`, async () => {
      const client = await connectGateway(platform, 'shop', { era });
      const { tools } = await client.listTools();
      const names = tools.map((tool) => tool.name);
      assert.equal(names.length, 12, `19 operations less 7 user ones: ${names.join(', ')}`);
      const getPetById = tools.find((tool) => tool.name === 'petstore___getPetById');
      assert.deepEqual(getPetById?.inputSchema.required, ['petId']);

      const inventory = await client.callTool({ name: 'petstore___getInventory', arguments: {} });
      assert.deepEqual(inventory.structuredContent, { available: 1, sold: 1, pending: 1 });
      assert.equal(petstore.requests.at(-1)?.headers.api_key, API_KEY, 'the vault key went out in the api_key header');

      const missing = await client.callTool({ name: 'petstore___getPetById', arguments: { petId: 999 } });
      assert.equal(missing.isError, true);
      assert.match(textOf(missing as { content?: unknown[] }), /^HTTP 404 Not Found/);

      const sent = petstore.requests.length;
      await assert.rejects(client.callTool({ name: 'petstore___getPetById', arguments: { petId: 'one' } }), /input schema/);
      assert.equal(petstore.requests.length, sent, 'arguments that do not match the schema never reach the API');
      await client.close();
    });
  }
});
