import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Tool } from '@modelcontextprotocol/server';
import { AjvJsonSchemaValidator } from '@modelcontextprotocol/server/validators/ajv';
import { createOpenApiTarget, openApiTargetSchema, type OpenApiDriverSpec } from '../../src/gateway/targets/openapi.js';
import { isRecord, MAX_DEPTH, MAX_SCHEMA_NODES, toJsonSchema } from '../../src/gateway/targets/openapi/json-schema.js';
import { testPlatform } from '../helpers/platform.js';
import { api, connectGateway, type Era } from './helpers.js';
import { TargetError, type CallContext, type OutboundCredentials, type TargetDriver } from '../../src/gateway/targets/types.js';
import { startFixtureServer, type FixtureServer } from '../fixtures/openapi/fixture-server.js';
import { MUSEUM_DOCUMENT, startMuseum, TICKET_PNG } from '../fixtures/openapi/museum.js';
import { PETSTORE_DOCUMENT, startPetstore } from '../fixtures/openapi/petstore.js';

const REPO = resolve(import.meta.dirname, '../..');
const DOCUMENTS = resolve(REPO, 'test/fixtures/openapi/documents');
const TOOL_NAME = /^[A-Za-z0-9_.-]{1,64}$/;

function context(signal: AbortSignal = new AbortController().signal): CallContext {
  return { signal, gateway: 'demo', target: 'api', prefixedName: 'api___tool', requestId: 'req-1' };
}

function credentials(headers: Record<string, string> = {}, query: Record<string, string> = {}): OutboundCredentials {
  return { headers: async () => headers, query: async () => query };
}

async function driver(spec: OpenApiDriverSpec, deps: { credentials?: OutboundCredentials; timeoutMs?: number } = {}): Promise<TargetDriver> {
  return createOpenApiTarget(spec, { baseDir: REPO, timeoutMs: deps.timeoutMs ?? 5000, ...(deps.credentials ? { credentials: deps.credentials } : {}) });
}

/** The published documents' tools, converted once per file and shared by the tests that look at them. */
const published = new Map<string, Promise<Map<string, Tool>>>();
function publishedTools(file: string): Promise<Map<string, Tool>> {
  const tools = published.get(file) ?? toolsOf({ source: `../shared/data/openapi/${file}` });
  published.set(file, tools);
  return tools;
}

async function toolsOf(spec: OpenApiDriverSpec): Promise<Map<string, Tool>> {
  const target = await driver(spec);
  try {
    const { tools } = await target.catalog(AbortSignal.timeout(10_000));
    return new Map(tools.map((tool) => [tool.name, tool]));
  } finally {
    await target.close();
  }
}

function property(tool: Tool | undefined, name: string): Record<string, unknown> {
  const value = (tool?.inputSchema.properties as Record<string, Record<string, unknown>> | undefined)?.[name];
  assert.ok(value, `${tool?.name} has input property ${name}`);
  return value;
}

function textOf(result: { content?: unknown[] }): string {
  const first = result.content?.[0] as { type: string; text?: string } | undefined;
  assert.equal(first?.type, 'text');
  return first.text ?? '';
}

/** Paths of "Not expanded" stubs within the first `levels` levels of a schema. */
function shallowStubs(schema: unknown, path: string, levels: number): string[] {
  if (!isRecord(schema) || levels < 0) return [];
  const found = String(schema.description ?? '').startsWith('Not expanded') ? [path] : [];
  const children: [string, unknown][] = Object.entries(isRecord(schema.properties) ? schema.properties : {});
  for (const key of ['anyOf', 'oneOf', 'allOf']) if (Array.isArray(schema[key])) (schema[key] as unknown[]).forEach((part, i) => children.push([`${key}[${i}]`, part]));
  if (schema.items !== undefined) children.push(['items', schema.items]);
  return [...found, ...children.flatMap(([name, child]) => shallowStubs(child, `${path}.${name}`, levels - 1))];
}

async function rejectsWith(promise: Promise<unknown>, kind: TargetError['kind'], message: RegExp): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof TargetError, `a TargetError, got ${String(error)}`);
    assert.equal(error.kind, kind);
    assert.match(error.message, message);
    return true;
  });
}

describe('published OpenAPI documents become tools', () => {
  it('converts all four documents: one tool per operation, valid unique names, schemas the gateway validator compiles cleanly', async (t) => {
    const validator = new AjvJsonSchemaValidator();
    const warnings: unknown[] = [];
    t.mock.method(console, 'warn', (...args: unknown[]) => warnings.push(args));
    const expected: Record<string, number> = {
      'swagger-petstore.openapi.yaml': 19,
      'redocly-museum.openapi.yaml': 8,
      'box-platform.openapi.json': 296,
      'discord.openapi.json': 242,
    };
    for (const [file, count] of Object.entries(expected)) {
      const started = performance.now();
      const tools = await publishedTools(file);
      const elapsed = performance.now() - started;
      assert.equal(tools.size, count, `${file}: one tool per operation`);
      let bytes = 0;
      let cut = 0;
      for (const tool of tools.values()) {
        assert.deepEqual(shallowStubs(tool.inputSchema, tool.name, 4), [], 'a large input is cut evenly at depth, not by dropping whole branches near the top');
        if (JSON.stringify(tool.inputSchema).includes('Not expanded further')) cut += 1;
        assert.match(tool.name, TOOL_NAME);
        assert.equal(tool.inputSchema.type, 'object');
        for (const name of tool.inputSchema.required ?? []) assert.ok(name in (tool.inputSchema.properties ?? {}), `${file} ${tool.name}: required ${name} is a property`);
        assert.ok(tool.description && tool.description.length > 0, `${tool.name} has a description`);
        bytes += JSON.stringify(tool).length;
        assert.doesNotThrow(() => validator.getValidator(tool.inputSchema as never), `${file} ${tool.name}: the input schema compiles`);
      }
      assert.deepEqual(warnings, [], `${file}: no validator warnings (unknown formats, ...)`);
      t.diagnostic(`${file}: ${tools.size} tools (${cut} cut to the node budget), ${(bytes / 1024).toFixed(0)} KiB of definitions, loaded and converted in ${elapsed.toFixed(0)} ms`);
    }
  });

  it('Petstore (3.0): path, query, header parameters and the JSON body, with required lists and descriptions', async () => {
    const tools = await publishedTools('swagger-petstore.openapi.yaml');
    const getPetById = tools.get('getPetById');
    assert.equal(getPetById?.title, 'Find pet by ID.');
    assert.match(getPetById?.description ?? '', /^Find pet by ID\.\n\nReturns a single pet\./);
    assert.deepEqual(getPetById?.inputSchema.required, ['petId']);
    assert.deepEqual(property(getPetById, 'petId'), { type: 'integer', format: 'int64', description: 'ID of pet to return' });
    assert.equal(getPetById?.annotations?.readOnlyHint, true);

    const status = property(tools.get('findPetsByStatus'), 'status');
    assert.deepEqual(status.enum, ['available', 'pending', 'sold']);
    assert.equal(status.default, 'available');
    assert.equal(tools.get('findPetsByStatus')?.inputSchema.required, undefined);
    assert.deepEqual(property(tools.get('findPetsByTags'), 'tags').items, { type: 'string' });

    const deletePet = tools.get('deletePet');
    assert.deepEqual(deletePet?.inputSchema.required, ['petId']);
    assert.equal(property(deletePet, 'api_key').type, 'string');
    assert.equal(deletePet?.annotations?.destructiveHint, true);

    const addPet = tools.get('addPet');
    assert.deepEqual(addPet?.inputSchema.required, ['body']);
    const pet = property(addPet, 'body');
    assert.deepEqual(pet.required, ['name', 'photoUrls']);
    assert.equal(pet.description, 'Create a new pet in the store');
    assert.deepEqual((pet.properties as Record<string, unknown>).status, { type: 'string', description: 'pet status in the store', enum: ['available', 'pending', 'sold'] });
    assert.ok(!JSON.stringify(pet).includes('"xml"'), 'OpenAPI-only xml annotations are dropped');
    assert.deepEqual(property(tools.get('uploadFile'), 'body'), { type: 'string', format: 'binary' });
  });

  it('Museum (3.1): parameters from components.$refs, allOf bodies, examples; the webhook is not a tool', async () => {
    const tools = await publishedTools('redocly-museum.openapi.yaml');
    assert.ok(!tools.has('publishNewEvent'), 'webhooks are not callable operations');
    const list = tools.get('listSpecialEvents');
    assert.deepEqual(Object.keys(list?.inputSchema.properties ?? {}), ['startDate', 'endDate', 'page', 'limit']);
    assert.deepEqual(property(list, 'limit'), { type: 'integer', default: 10, maximum: 30, examples: [15], description: 'Number of days per page.' });
    assert.deepEqual(tools.get('getSpecialEvent')?.inputSchema.required, ['eventId']);
    // BuyMuseumTickets is allOf [{email}, Ticket]: merged into one flat object.
    const buy = property(tools.get('buyMuseumTickets'), 'body') as { properties: Record<string, Record<string, unknown>>; required: string[]; allOf?: unknown; description?: string };
    assert.equal(buy.allOf, undefined);
    assert.deepEqual(Object.keys(buy.properties), ['email', 'ticketId', 'ticketDate', 'ticketType', 'eventId']);
    assert.deepEqual(buy.required, ['ticketType', 'ticketDate']);
    assert.equal(buy.properties.email?.format, 'email');
    assert.deepEqual(buy.properties.ticketType?.enum, ['event', 'general']);
    assert.equal(buy.properties.ticketDate?.description, 'Date when this ticket can be used for museum entry.');
    assert.equal(buy.description, 'Data to purchase a ticket.');
  });

  it('Box (3.0, large): names sanitised, shortened and unique; required header params; nullable; readOnly kept out of inputs', async () => {
    const tools = await publishedTools('box-platform.openapi.json');
    assert.ok(tools.has('get_files_id_get_shared_link'), '`#` becomes `_`');
    assert.ok(tools.has('post_metadata_taxonomies_id_id_levels_append'), '`:` becomes `_`');
    const long = [...tools.keys()].filter((name) => /_[0-9a-f]{8}$/.test(name));
    assert.equal(long.length, 12, 'the 12 operationIds longer than 64 characters end in a hash of the full id');
    assert.ok(long.every((name) => name.length === 64));
    const sharedItems = tools.get('get_shared_items');
    assert.ok(sharedItems?.inputSchema.required?.includes('boxapi'), 'a required header parameter is required');
    assert.deepEqual(property(tools.get('get_files_id'), 'x-rep-hints').type, ['string', 'null']);
    const all = JSON.stringify([...tools.values()]);
    assert.ok(!all.includes('"readOnly":true'), 'readOnly properties are not offered as inputs');
    assert.ok(!all.includes('"nullable"'));
    assert.ok(!/"x-box-/.test(all), 'vendor extensions are dropped');
  });

  it('Discord (3.1, large): type arrays and const kept, path-level parameters applied to every method', async () => {
    const tools = await publishedTools('discord.openapi.json');
    for (const name of ['get_channel', 'update_channel', 'delete_channel']) {
      assert.deepEqual(tools.get(name)?.inputSchema.required?.[0], 'channel_id', `${name} has the path-level channel_id`);
    }
    assert.deepEqual(property(tools.get('get_channel'), 'channel_id'), { type: 'string', pattern: '^(0|[1-9][0-9]*)$', description: 'Format: snowflake.' }, 'a format validators do not know moves into the description');
    const all = JSON.stringify([...tools.values()]);
    assert.ok(all.includes('"type":["string","null"]'), '3.1 type arrays pass through');
    assert.ok(all.includes('"const":'), '3.1 const passes through');
  });
});

describe('conversion rules on a document made for the corner cases', () => {
  const spec = { source: join(DOCUMENTS, 'edge-cases.yaml'), baseUrl: 'http://127.0.0.1:9' };

  it('names: generated from method and path when absent, de-duplicated, shortened with a stable hash', async () => {
    const tools = await toolsOf(spec);
    assert.deepEqual([...tools.keys()].sort(), [
      'aVeryLongOperationIdentifierThatGoesOnAndOnBeyondTheSix_5cb7deb1',
      'get_trees_treeId',
      'get_very_long_x',
      'replace_tree_v2',
      'search',
      'search_2',
    ]);
  });

  it('inputs: operation parameters override path-level ones, colliding names get the location, Authorization headers are ignored', async () => {
    const tools = await toolsOf(spec);
    assert.deepEqual(property(tools.get('get_trees_treeId'), 'treeId'), { type: 'integer', description: "The operation's own definition wins" });
    assert.equal(property(tools.get('replace_tree_v2'), 'treeId').type, 'string');
    const veryLong = tools.get('get_very_long_x');
    assert.deepEqual(Object.keys(veryLong?.inputSchema.properties ?? {}), ['x', 'header_x']);
    const search = tools.get('search');
    assert.deepEqual(Object.keys(search?.inputSchema.properties ?? {}), ['body', 'filter', 'requestBody'], 'a parameter named body pushes the body to requestBody');
    assert.deepEqual(tools.get('search_2')?.inputSchema.properties, {}, 'a GET body is not offered');
  });

  it('3.0 forms become JSON Schema: nullable, boolean exclusiveMinimum, example; readOnly dropped from required', async () => {
    const tools = await toolsOf(spec);
    assert.deepEqual(property(tools.get('get_trees_treeId'), 'depth'), { type: 'integer', exclusiveMinimum: 0, maximum: 10 });
    const form = property(tools.get('search'), 'requestBody');
    assert.deepEqual(form, {
      type: 'object',
      properties: { q: { type: ['string', 'null'] }, kind: { type: ['string', 'null'], enum: ['a', 'b', null] } },
      required: ['q'],
    });
  });

  it('a recursive schema is expanded once and then cut with a note, never looping', async () => {
    const tools = await toolsOf(spec);
    const node = property(tools.get('replace_tree_v2'), 'body') as { properties: Record<string, Record<string, unknown>> };
    assert.deepEqual(node.properties.children?.items, { type: 'object', description: 'Recursive: the same shape as the enclosing "Node" schema.' });
    assert.deepEqual(node.properties.parent, { type: ['object', 'null'], description: 'Recursive: the same shape as the enclosing "Node" schema.' }, 'a nullable allOf of one $ref merges, then widens to null');
    assert.equal(node.properties.label?.examples?.toString(), 'root');
  });

  it('allOf merges only when nothing conflicts', () => {
    const budget = () => ({ maxDepth: MAX_DEPTH, budget: { remaining: MAX_SCHEMA_NODES } });
    const base = { type: 'object', properties: { id: { type: 'integer' } }, required: ['id'] };
    assert.deepEqual(toJsonSchema({ description: 'Extended', allOf: [base, { properties: { note: { type: 'string' } }, required: ['note'] }] }, budget()), {
      description: 'Extended',
      type: 'object',
      properties: { id: { type: 'integer' }, note: { type: 'string' } },
      required: ['id', 'note'],
    });
    const clash = { allOf: [base, { properties: { id: { type: 'string' } } }] };
    assert.deepEqual(toJsonSchema(clash, budget()), clash, 'a property with two different schemas keeps the allOf');
    const union = { allOf: [base, { oneOf: [{ required: ['a'] }, { required: ['b'] }] }] };
    assert.deepEqual(toJsonSchema(union, budget()), union, 'a composed part keeps the allOf');
  });

  it('a schema too deep or too large for one tool is cut with a note', () => {
    let deep: Record<string, unknown> = { type: 'string' };
    for (let level = 0; level < 40; level += 1) deep = { type: 'object', properties: { next: deep } };
    let cursor = toJsonSchema(deep, { maxDepth: MAX_DEPTH, budget: { remaining: MAX_SCHEMA_NODES } });
    let depth = 0;
    while (isRecord(cursor.properties) && isRecord(cursor.properties.next)) {
      cursor = cursor.properties.next;
      depth += 1;
    }
    assert.equal(depth, 24);
    assert.deepEqual(cursor, { type: 'object', description: 'Not expanded further: the schema is too large for a tool definition.' });

    const wide = { type: 'object', properties: Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`p${i}`, { type: 'integer' }])) };
    const budget = { remaining: 4 };
    const cut = toJsonSchema(wide, { maxDepth: MAX_DEPTH, budget }) as { properties: Record<string, Record<string, unknown>> };
    assert.deepEqual(cut.properties.p2, { type: 'integer' });
    assert.deepEqual(cut.properties.p3, { type: 'integer', description: 'Not expanded further: the schema is too large for a tool definition.' });
    assert.equal(budget.remaining, 0);
  });

  it('include and exclude select operations by operationId or tool name, with * wildcards', async () => {
    assert.deepEqual([...(await toolsOf({ ...spec, include: ['search*'] })).keys()], ['search', 'search_2']);
    assert.deepEqual([...(await toolsOf({ ...spec, include: ['*tree*'], exclude: ['replace tree#v2'] })).keys()], ['get_trees_treeId']);
  });

  it('refuses Swagger 2.0 and says to convert it', async () => {
    await rejectsWith(driver({ source: join(DOCUMENTS, 'swagger2.yaml') }), 'invalid', /Swagger 2\.0 .*convert to OpenAPI 3 first/);
  });

  it('a file document with only relative servers needs baseUrl; unreadable or non-OpenAPI sources are invalid', async () => {
    await rejectsWith(driver({ source: 'test/fixtures/openapi/documents/edge-cases.yaml' }), 'invalid', /no absolute server URL .* set baseUrl/);
    await rejectsWith(driver({ source: 'test/fixtures/openapi/documents/missing.yaml' }), 'invalid', /cannot read .*ENOENT/);
    await rejectsWith(driver({ source: 'package.json' }), 'invalid', /not an OpenAPI 3\.0\/3\.1 document/);
  });

  it('the target schema: the openapi keys beside the common ones, http(s) baseUrl only, unknown keys refused', () => {
    const entry = { name: 'petstore', type: 'openapi', source: 'petstore.yaml', baseUrl: 'http://127.0.0.1:4010/api/v3', include: ['get*'], headers: { 'x-client': 'demo' } };
    const parsed = openApiTargetSchema.parse(entry);
    assert.equal(parsed.source, 'petstore.yaml');
    assert.equal(parsed.maxConcurrency, 32, 'common defaults apply');
    assert.equal(openApiTargetSchema.safeParse({ ...entry, baseUrl: 'ftp://127.0.0.1/' }).success, false);
    assert.equal(openApiTargetSchema.safeParse({ ...entry, spec: 'petstore.yaml' }).success, false);
    assert.equal(openApiTargetSchema.safeParse({ ...entry, headers: { 'bad header': 'x' } }).success, false);
    assert.equal(openApiTargetSchema.safeParse({ ...entry, source: '' }).success, false);
  });

  it('external $refs: a file document reads its sibling files; a document from the network may not read local files', async () => {
    const tools = await toolsOf({ source: join(DOCUMENTS, 'split.yaml') });
    assert.deepEqual(property(tools.get('addNote'), 'body'), { type: 'object', required: ['text'], properties: { text: { type: 'string', description: 'What the note says' } } });

    const hostile = (await readFile(join(DOCUMENTS, 'split.yaml'), 'utf8')).replace('./split-schemas.yaml', `file://${join(DOCUMENTS, 'split-schemas.yaml')}`);
    const server = await startFixtureServer([['GET', /^\/openapi\.yaml$/, () => ({ status: 200, raw: { type: 'application/yaml', bytes: hostile } })]]);
    try {
      await rejectsWith(driver({ source: `${server.url}/openapi.yaml` }), 'invalid', /cannot resolve the \$refs/);
    } finally {
      await server.close();
    }
  });

  it('catalog() re-reads the document, so a sync sees added operations', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'toolport-openapi-'));
    try {
      const file = join(dir, 'museum.yaml');
      await copyFile(MUSEUM_DOCUMENT, file);
      const target = await driver({ source: file, exclude: ['getTicketCode'] });
      assert.equal((await target.catalog(AbortSignal.timeout(5000))).tools.length, 7);
      const text = await readFile(file, 'utf8');
      await writeFile(file, text.replace('  /tickets/{ticketId}/qr:', '  /ping:\n    get:\n      operationId: ping\n      responses: { "204": { description: up } }\n  /tickets/{ticketId}/qr:'));
      const names = (await target.catalog(AbortSignal.timeout(5000))).tools.map((tool) => tool.name);
      assert.equal(names.length, 8);
      assert.ok(names.includes('ping'));
      await target.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('calls against a local Swagger Petstore', () => {
  const API_KEY = 'petstore-key-123';
  let petstore: FixtureServer;
  let target: TargetDriver;

  before(async () => {
    petstore = await startPetstore({ apiKey: API_KEY });
    // The document is served by the API itself with a relative server (/api/v3), as petstore3.swagger.io does.
    target = await driver({ source: `${petstore.url}/api/v3/openapi.json`, headers: { 'x-client': 'toolport-test' } });
  });
  after(async () => {
    await target.close();
    await petstore.close();
  });

  const lastRequest = () => {
    const request = petstore.requests.at(-1);
    assert.ok(request);
    return request;
  };

  it('a path parameter: GET /api/v3/pet/1, JSON answer as text and structuredContent', async () => {
    const result = await target.callTool('getPetById', { petId: 1 }, context());
    assert.equal(result.isError, undefined);
    assert.deepEqual(JSON.parse(textOf(result)), result.structuredContent);
    assert.equal((result.structuredContent as { name: string }).name, 'Rex');
    const request = lastRequest();
    assert.equal(`${request.method} ${request.path}`, 'GET /api/v3/pet/1');
    assert.equal(request.headers.accept, 'application/json');
    assert.equal(request.headers['x-client'], 'toolport-test', 'static headers are sent');
  });

  it('query parameters: an exploded array repeats the name; a JSON array answer has no structuredContent', async () => {
    const result = await target.callTool('findPetsByTags', { tags: ['loud', 'lazy'] }, context());
    assert.equal(lastRequest().rawQuery, 'tags=loud&tags=lazy');
    assert.deepEqual((JSON.parse(textOf(result)) as { name: string }[]).map((pet) => pet.name).sort(), ['Polly', 'Tom']);
    assert.equal(result.structuredContent, undefined);
    const sold = await target.callTool('findPetsByStatus', { status: 'sold' }, context());
    assert.equal(lastRequest().rawQuery, 'status=sold');
    assert.deepEqual((JSON.parse(textOf(sold)) as { id: number }[]).map((pet) => pet.id), [2]);
  });

  it('a JSON body, query parameters on a POST, and a header parameter', async () => {
    const added = await target.callTool('addPet', { body: { name: 'Nemo', photoUrls: [], status: 'available', tags: [{ id: 9, name: 'wet' }] } }, context());
    const id = (added.structuredContent as { id: number }).id;
    let request = lastRequest();
    assert.equal(`${request.method} ${request.path}`, 'POST /api/v3/pet');
    assert.equal(request.headers['content-type'], 'application/json');
    assert.deepEqual(JSON.parse(request.body), { name: 'Nemo', photoUrls: [], status: 'available', tags: [{ id: 9, name: 'wet' }] });

    const renamed = await target.callTool('updatePetWithForm', { petId: id, name: 'Nemo Junior', status: 'pending' }, context());
    assert.equal(lastRequest().rawQuery, 'name=Nemo%20Junior&status=pending');
    assert.equal((renamed.structuredContent as { name: string }).name, 'Nemo Junior');

    const deleted = await target.callTool('deletePet', { petId: id, api_key: 'owner-key' }, context());
    request = lastRequest();
    assert.equal(`${request.method} ${request.path}`, `DELETE /api/v3/pet/${id}`);
    assert.equal(request.headers.api_key, 'owner-key');
    assert.equal(textOf(deleted), 'Pet deleted');
  });

  it('non-2xx answers are error results with the status and the body', async () => {
    const missing = await target.callTool('getPetById', { petId: 999 }, context());
    assert.equal(missing.isError, true);
    assert.equal(textOf(missing), 'HTTP 404 Not Found: {"code":404,"message":"Pet not found"}');
    const bad = await target.callTool('addPet', { body: { name: 'NoPhotos' } }, context());
    assert.equal(bad.isError, true);
    assert.match(textOf(bad), /^HTTP 400 Bad Request: .*name and photoUrls are required/);
  });

  it('an error body is cut to a 2 KB excerpt', async () => {
    const result = await target.callTool('findPetsByStatus', { status: 'x'.repeat(10_000) }, context());
    assert.equal(result.isError, true);
    const text = textOf(result);
    assert.match(text, /^HTTP 400 Bad Request: \{"code":400,"message":"Input error: query parameter `status value `x+ …\(truncated\)$/);
    assert.ok(text.length < 2048 + 60, `excerpt bounded (${text.length} chars)`);
  });

  it('API key credentials in a header or in the query; without them the API answers 401', async () => {
    const denied = await target.callTool('getInventory', {}, context());
    assert.equal(denied.isError, true);
    assert.match(textOf(denied), /^HTTP 401/);

    const inHeader = await driver({ source: `${petstore.url}/api/v3/openapi.json` }, { credentials: credentials({ api_key: API_KEY }) });
    const viaHeader = await inHeader.callTool('getInventory', {}, context());
    assert.deepEqual(viaHeader.structuredContent, { available: 1, sold: 1, pending: 1 });
    assert.equal(lastRequest().headers.api_key, API_KEY);
    await inHeader.close();

    const inQuery = await driver({ source: `${petstore.url}/api/v3/openapi.json`, headers: { api_key: 'static-loses' } }, { credentials: credentials({}, { api_key: API_KEY }) });
    const viaQuery = await inQuery.callTool('findPetsByStatus', { status: 'pending' }, context());
    assert.equal(lastRequest().rawQuery, `status=pending&api_key=${API_KEY}`);
    assert.equal(viaQuery.isError, undefined);
    const inventory = await inQuery.callTool('getInventory', {}, context());
    assert.equal(inventory.isError, undefined);
    await inQuery.close();

    const overriding = await driver({ source: `${petstore.url}/api/v3/openapi.json`, headers: { api_key: 'static-loses' } }, { credentials: credentials({ API_KEY: API_KEY }) });
    await overriding.callTool('getInventory', {}, context());
    assert.equal(lastRequest().headers.api_key, API_KEY, 'credentials override a static header of the same name');
    await overriding.close();
  });

  it('a response beyond maxResponseBytes is an error result, not a truncated answer', async () => {
    const capped = await driver({ source: `${petstore.url}/api/v3/openapi.json`, maxResponseBytes: 100 });
    const result = await capped.callTool('getPetById', { petId: 1 }, context());
    assert.equal(result.isError, true);
    assert.match(textOf(result), /larger than this target's limit of 100 bytes/);
    await capped.close();
  });

  it('a missing path parameter, an unknown tool or a header value with CR/LF is refused before any request', async () => {
    const before = petstore.requests.length;
    await rejectsWith(target.callTool('getPetById', {}, context()), 'invalid', /missing required path parameter "petId"/);
    await rejectsWith(target.callTool('noSuchTool', {}, context()), 'invalid', /no operation "noSuchTool"/);
    await rejectsWith(target.callTool('deletePet', { petId: 1, api_key: 'a\r\nx-injected: 1' }, context()), 'invalid', /header "api_key" of deletePet has characters an HTTP header cannot carry/);
    assert.equal(petstore.requests.length, before);
  });
});

describe('request serialisation, servers at every level, redirects and binary answers (a document served by URL)', () => {
  let echo: FixtureServer;
  let target: TargetDriver;

  before(async () => {
    const document = await readFile(join(DOCUMENTS, 'serialisation.yaml'));
    const ok = () => ({ status: 200, json: { ok: true } });
    echo = await startFixtureServer([
      ['GET', /^\/specs\/serialisation\.yaml$/, () => ({ status: 200, raw: { type: 'application/yaml', bytes: document } })],
      ['GET', /^\/v1\/moved$/, () => ({ status: 302, headers: { location: 'https://elsewhere.example/moved' } })],
      ['GET', /^\/v1\/report$/, () => ({ status: 200, raw: { type: 'application/pdf', bytes: Buffer.from('%PDF-1.7 tiny') } })],
      ...['GET', 'POST', 'PUT'].map((method) => [method, /.*/, ok] as [string, RegExp, typeof ok]),
    ]);
    target = await driver({ source: `${echo.url}/specs/serialisation.yaml` });
  });
  after(async () => {
    await target.close();
    await echo.close();
  });

  const sent = async (tool: string, args: Record<string, unknown>) => {
    const result = await target.callTool(tool, args, context());
    assert.deepEqual(result.structuredContent, { ok: true });
    const request = echo.requests.at(-1);
    assert.ok(request);
    return request;
  };

  it('label path, comma and pipe query arrays; the document server with its variable default', async () => {
    const request = await sent('labelPath', { ids: ['a b', 'c'], fields: ['id', 'name'], sort: ['name', 'date'] });
    assert.equal(request.path, '/v1/items/.a%20b,c');
    assert.equal(request.rawQuery, 'fields=id,name&sort=name|date');
  });

  it('matrix path, deepObject query, JSON-encoded query; the path item server wins over the document one', async () => {
    const request = await sent('matrixPath', { point: { x: 1, y: 2 }, filter: { color: 'red', size: 'L' }, where: { a: [1] } });
    assert.equal(request.path, '/v3/points/;x=1;y=2');
    assert.equal(request.rawQuery, `filter%5Bcolor%5D=red&filter%5Bsize%5D=L&where=${encodeURIComponent('{"a":[1]}')}`);
  });

  it('form body, cookie and array header; the operation server wins over the path item one', async () => {
    const request = await sent('postForm', { session: 'abc 1', 'X-Trace': ['t1', 't2'], body: { name: 'Rex', tags: ['a', 'b'] } });
    assert.equal(request.path, '/v2/forms');
    assert.equal(request.headers.cookie, 'session=abc%201');
    assert.equal(request.headers['x-trace'], 't1,t2');
    assert.equal(request.headers['content-type'], 'application/x-www-form-urlencoded');
    assert.equal(request.body, 'name=Rex&tags=a&tags=b');
  });

  it('a redirect is not followed (credentials stay on the API host); a binary answer is an embedded blob', async () => {
    const moved = await target.callTool('moved', {}, context());
    assert.deepEqual(moved, { isError: true, content: [{ type: 'text', text: 'HTTP 302 Found: redirect to https://elsewhere.example/moved (not followed)' }] });
    const report = await target.callTool('report', {}, context());
    assert.deepEqual(report.content, [{ type: 'resource', resource: { uri: `${echo.url}/v1/report`, mimeType: 'application/pdf', blob: Buffer.from('%PDF-1.7 tiny').toString('base64') } }]);
  });

  it('multipart and text bodies', async () => {
    const multipart = await sent('postMultipart', { body: { note: 'hi', meta: { k: 1 } } });
    assert.match(String(multipart.headers['content-type']), /^multipart\/form-data; boundary=/);
    assert.match(multipart.body, /name="note"\r\n\r\nhi\r\n/);
    assert.match(multipart.body, /name="meta"\r\n\r\n\{"k":1\}\r\n/);
    const text = await sent('putText', { body: 'plain words' });
    assert.equal(text.headers['content-type'], 'text/plain');
    assert.equal(text.body, 'plain words');
  });
});

describe('calls that fail on the way', () => {
  it('a slow API: TargetError timeout after the target timeout', async () => {
    const slow = await startPetstore({ latencyMs: 3000 });
    try {
      const target = await driver({ source: PETSTORE_DOCUMENT, baseUrl: `${slow.url}/api/v3` }, { timeoutMs: 300 });
      const started = performance.now();
      await rejectsWith(target.callTool('getPetById', { petId: 1 }, context()), 'timeout', /did not answer within 300 ms/);
      const elapsed = performance.now() - started;
      assert.ok(elapsed >= 280 && elapsed < 2000, `gave up after ${elapsed.toFixed(0)} ms`);
      await target.close();
    } finally {
      await slow.close();
    }
  });

  it('a caller cancellation aborts the request and rejects with the caller reason', async () => {
    const slow = await startPetstore({ latencyMs: 3000 });
    try {
      const target = await driver({ source: PETSTORE_DOCUMENT, baseUrl: `${slow.url}/api/v3` });
      const controller = new AbortController();
      setTimeout(() => controller.abort(new Error('client sent notifications/cancelled')), 100);
      await assert.rejects(target.callTool('getPetById', { petId: 1 }, context(controller.signal)), /client sent notifications\/cancelled/);
      await target.close();
    } finally {
      await slow.close();
    }
  });

  it('a dead API: TargetError unreachable naming the cause, not the query', async () => {
    const server = await startFixtureServer([]);
    await server.close();
    const target = await driver({ source: PETSTORE_DOCUMENT, baseUrl: `${server.url}/api/v3` }, { credentials: credentials({}, { api_key: 'never-shown' }) });
    await assert.rejects(target.callTool('getPetById', { petId: 1 }, context()), (error: unknown) => {
      assert.ok(error instanceof TargetError);
      assert.equal(error.kind, 'unreachable');
      assert.match(error.message, /cannot reach the API: ECONNREFUSED/);
      assert.equal(error.detail, `GET ${server.url}/api/v3/pet/1`);
      return true;
    });
    await target.close();
  });

  it('a document URL that does not answer: unreachable at create', async () => {
    const server = await startFixtureServer([]);
    await server.close();
    await rejectsWith(driver({ source: `${server.url}/openapi.json` }), 'unreachable', /cannot fetch the OpenAPI document .*ECONNREFUSED/);
  });
});

describe('calls against a local Redocly Museum API (3.1, HTTP basic credentials, file document + baseUrl)', () => {
  let museum: FixtureServer;
  let target: TargetDriver;
  const basic = `Basic ${Buffer.from('curator:tea-party').toString('base64')}`;

  before(async () => {
    museum = await startMuseum({ user: 'curator', password: 'tea-party' });
    target = await driver({ source: '../shared/data/openapi/redocly-museum.openapi.yaml', baseUrl: museum.url }, { credentials: credentials({ Authorization: basic }) });
  });
  after(async () => {
    await target.close();
    await museum.close();
  });

  it('a special event: create (201), read, PATCH, list by date range, delete (204), then 404', async () => {
    const event = { name: 'Pirate Coding Workshop', location: 'Computer Room', eventDescription: 'Arrr.', dates: ['2026-12-01', '2026-12-02'], price: 25 };
    const created = await target.callTool('createSpecialEvent', { body: event }, context());
    const { eventId } = created.structuredContent as { eventId: string };
    assert.match(eventId, /^[0-9a-f-]{36}$/);
    assert.equal(museum.requests.at(-1)?.headers.authorization, basic);

    const read = await target.callTool('getSpecialEvent', { eventId }, context());
    assert.deepEqual(read.structuredContent, { eventId, ...event });
    const patched = await target.callTool('updateSpecialEvent', { eventId, body: { price: 30 } }, context());
    assert.equal(museum.requests.at(-1)?.method, 'PATCH');
    assert.equal((patched.structuredContent as { price: number }).price, 30);

    const listed = await target.callTool('listSpecialEvents', { startDate: '2026-11-30', endDate: '2026-12-01', limit: 5 }, context());
    assert.equal(museum.requests.at(-1)?.rawQuery, 'startDate=2026-11-30&endDate=2026-12-01&limit=5');
    assert.deepEqual((JSON.parse(textOf(listed)) as { eventId: string }[]).map((e) => e.eventId), [eventId]);

    const deleted = await target.callTool('deleteSpecialEvent', { eventId }, context());
    assert.deepEqual(deleted, { content: [{ type: 'text', text: 'HTTP 204 No Content' }] });
    const gone = await target.callTool('getSpecialEvent', { eventId }, context());
    assert.equal(gone.isError, true);
    assert.equal(textOf(gone), 'HTTP 404 Not Found: {"type":"object","title":"Event not found"}');
  });

  it('tickets: buy (allOf body) and fetch the QR code as image content', async () => {
    const bought = await target.callTool('buyMuseumTickets', { body: { ticketType: 'general', ticketDate: '2026-12-24', email: 'todd@example.com' } }, context());
    const confirmation = bought.structuredContent as { ticketId: string; message: string };
    assert.equal(confirmation.message, 'Museum general entry ticket purchased');
    const qr = await target.callTool('getTicketCode', { ticketId: confirmation.ticketId }, context());
    assert.deepEqual(qr.content, [{ type: 'image', data: TICKET_PNG.toString('base64'), mimeType: 'image/png' }]);
    assert.equal(museum.requests.at(-1)?.headers.accept, 'image/png');
  });

  it('museum hours with paging; a limit over the maximum is a 400 problem result', async () => {
    const hours = await target.callTool('getMuseumHours', { startDate: '2026-01-30', page: 2, limit: 3 }, context());
    assert.deepEqual((JSON.parse(textOf(hours)) as { date: string }[]).map((day) => day.date), ['2026-02-02', '2026-02-03', '2026-02-04']);
    const tooMany = await target.callTool('getMuseumHours', { limit: 31 }, context());
    assert.equal(tooMany.isError, true);
    assert.match(textOf(tooMany), /^HTTP 400 Bad Request: .*limit ≤ 30/);
  });

  it('without credentials the API answers 401, as an error result', async () => {
    const anonymous = await driver({ source: MUSEUM_DOCUMENT, baseUrl: museum.url });
    const result = await anonymous.callTool('getMuseumHours', {}, context());
    assert.equal(result.isError, true);
    assert.match(textOf(result), /^HTTP 401 Unauthorized: .*Unauthorized/);
    await anonymous.close();
  });
});

describe('the demo pet store (examples/openapi-petstore) behind an openapi target', () => {
  let server: ChildProcess;
  let base: string;

  before(async () => {
    server = spawn(process.execPath, ['examples/openapi-petstore/server.js', '--port', '0'], { cwd: REPO, env: { PATH: process.env.PATH ?? '', PETSTORE_API_KEY: 'demo-key' }, stdio: ['ignore', 'pipe', 'inherit'] });
    const [line] = (await once(server.stdout!, 'data')) as [Buffer];
    const url = /listening on (http:\/\/\S+\/api)/.exec(line.toString())?.[1];
    assert.ok(url, `the server says where it listens: ${line.toString()}`);
    base = url;
  });
  after(async () => {
    server.kill('SIGTERM');
    if (server.exitCode === null) await once(server, 'exit');
  });

  it('the document it serves becomes six tools, and calls change its in-memory store', async () => {
    // No baseUrl: the served document's server variable `port` defaults to the port the server listens on.
    const target = await driver({ source: `${base}/openapi.yaml` }, { credentials: credentials({ 'X-API-Key': 'demo-key' }) });
    const tools = new Map((await target.catalog(AbortSignal.timeout(5000))).tools.map((tool) => [tool.name, tool]));
    assert.deepEqual([...tools.keys()], ['listPets', 'addPet', 'getPetById', 'updatePet', 'deletePet', 'getInventory']);
    assert.deepEqual(Object.keys(property(tools.get('addPet'), 'body').properties as object), ['name', 'species', 'status', 'tags'], 'the readOnly id is not an input');

    const added = await target.callTool('addPet', { body: { name: 'Nemo', species: 'fish', tags: ['wet'] } }, context());
    const nemo = added.structuredContent as { id: number; status: string };
    assert.equal(nemo.status, 'available');
    const listed = await target.callTool('listPets', { tags: ['wet', 'lazy'], limit: 5 }, context());
    assert.deepEqual((listed.structuredContent as { pets: { name: string }[] }).pets.map((pet) => pet.name), ['Tom', 'Nemo']);
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
      assert.deepEqual(names.filter((name) => name.startsWith('petstore___')), ['listPets', 'addPet', 'getPetById', 'updatePet', 'deletePet', 'getInventory'].map((name) => `petstore___${name}`));
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
  after(async () => {
    await platform.stop();
    await petstore.close();
  });

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
