// OpenAPI documents → MCP tools: the four published documents in data/openapi (see its README and
// licences) and small documents made for the corner cases. Calls are in openapi-calls.test.ts, the gateway in
// openapi-gateway.test.ts.
import assert from 'node:assert/strict';
import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { Tool } from '@modelcontextprotocol/server';
import { AjvJsonSchemaValidator } from '@modelcontextprotocol/server/validators/ajv';
import { openApiTargetSchema, type OpenApiDriverSpec } from '../../src/gateway/targets/openapi.js';
import { isRecord, MAX_DEPTH, MAX_SCHEMA_NODES, toJsonSchema } from '../../src/gateway/targets/openapi/json-schema.js';
import { DOCUMENTS, driver, property, rejectsWith } from '../fixtures/openapi/driver.js';
import { startFixtureServer } from '../fixtures/openapi/fixture-server.js';
import { MUSEUM_DOCUMENT } from '../fixtures/openapi/museum.js';

const TOOL_NAME = /^[A-Za-z0-9_.-]{1,64}$/;

/** The published documents' tools, converted once per file and shared by the tests that look at them. */
const published = new Map<string, Promise<Map<string, Tool>>>();
function publishedTools(file: string): Promise<Map<string, Tool>> {
  const tools = published.get(file) ?? toolsOf({ source: `data/openapi/${file}` });
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

/** Paths of "Not expanded" stubs within the first `levels` levels of a schema. */
function shallowStubs(schema: unknown, path: string, levels: number): string[] {
  if (!isRecord(schema) || levels < 0) return [];
  const found = String(schema.description ?? '').startsWith('Not expanded') ? [path] : [];
  const children: [string, unknown][] = Object.entries(isRecord(schema.properties) ? schema.properties : {});
  for (const key of ['anyOf', 'oneOf', 'allOf'])
    if (Array.isArray(schema[key])) (schema[key] as unknown[]).forEach((part, i) => children.push([`${key}[${i}]`, part]));
  if (schema.items !== undefined) children.push(['items', schema.items]);
  return [...found, ...children.flatMap(([name, child]) => shallowStubs(child, `${path}.${name}`, levels - 1))];
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
        for (const name of tool.inputSchema.required ?? [])
          assert.ok(name in (tool.inputSchema.properties ?? {}), `${file} ${tool.name}: required ${name} is a property`);
        assert.ok(tool.description && tool.description.length > 0, `${tool.name} has a description`);
        bytes += JSON.stringify(tool).length;
        assert.doesNotThrow(() => validator.getValidator(tool.inputSchema as never), `${file} ${tool.name}: the input schema compiles`);
      }
      assert.deepEqual(warnings, [], `${file}: no validator warnings (unknown formats, ...)`);
      t.diagnostic(
        `${file}: ${tools.size} tools (${cut} cut to the node budget), ${(bytes / 1024).toFixed(0)} KiB of definitions, loaded and converted in ${elapsed.toFixed(0)} ms`,
      );
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
    assert.deepEqual((pet.properties as Record<string, unknown>).status, {
      type: 'string',
      description: 'pet status in the store',
      enum: ['available', 'pending', 'sold'],
    });
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
    const buy = property(tools.get('buyMuseumTickets'), 'body') as {
      properties: Record<string, Record<string, unknown>>;
      required: string[];
      allOf?: unknown;
      description?: string;
    };
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
    assert.deepEqual(
      property(tools.get('get_channel'), 'channel_id'),
      { type: 'string', pattern: '^(0|[1-9][0-9]*)$', description: 'Format: snowflake.' },
      'a format validators do not know moves into the description',
    );
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
    assert.deepEqual(
      Object.keys(search?.inputSchema.properties ?? {}),
      ['body', 'filter', 'requestBody'],
      'a parameter named body pushes the body to requestBody',
    );
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
    assert.deepEqual(
      node.properties.parent,
      { type: ['object', 'null'], description: 'Recursive: the same shape as the enclosing "Node" schema.' },
      'a nullable allOf of one $ref merges, then widens to null',
    );
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
    const dir = await mkdtemp(join(tmpdir(), 'toolport-openapi-'));
    try {
      await writeFile(join(dir, 'broken.yaml'), 'openapi: 3.0.0\ninfo: { title: x\n  password: hunter2\n');
      await writeFile(join(dir, 'broken.json'), '{"openapi": "3.0.0", "password": hunter2}');
      await rejectsWith(driver({ source: join(dir, 'broken.yaml') }), 'invalid', /is not valid YAML: [^\n]*line 2[^\n]*$/);
      await rejectsWith(driver({ source: join(dir, 'broken.json') }), 'invalid', /is not valid JSON: Unexpected token 'h'$/);
      for (const file of ['broken.yaml', 'broken.json']) {
        await assert.rejects(driver({ source: join(dir, file) }), (error: Error) => !error.message.includes('hunter2'), 'the document text is never quoted');
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('the target schema: the openapi keys beside the common ones, http(s) baseUrl only, unknown keys refused', () => {
    const entry = {
      name: 'petstore',
      type: 'openapi',
      source: 'petstore.yaml',
      baseUrl: 'http://127.0.0.1:4010/api/v3',
      include: ['get*'],
      headers: { 'x-client': 'demo' },
    };
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
    assert.deepEqual(property(tools.get('addNote'), 'body'), {
      type: 'object',
      required: ['text'],
      properties: { text: { type: 'string', description: 'What the note says' } },
    });

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
      await writeFile(
        file,
        text.replace(
          '  /tickets/{ticketId}/qr:',
          '  /ping:\n    get:\n      operationId: ping\n      responses: { "204": { description: up } }\n  /tickets/{ticketId}/qr:',
        ),
      );
      const names = (await target.catalog(AbortSignal.timeout(5000))).tools.map((tool) => tool.name);
      assert.equal(names.length, 8);
      assert.ok(names.includes('ping'));
      await target.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
