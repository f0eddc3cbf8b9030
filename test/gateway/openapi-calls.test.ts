// The openapi driver's calls over real HTTP on 127.0.0.1: local Swagger Petstore and Redocly Museum APIs answering
// like the published documents say, an echo server for serialisation, and APIs that are slow or gone.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Deadline } from '../../src/gateway/deadline.js';
import { TargetError, type TargetDriver } from '../../src/gateway/targets/types.js';
import { context, credentials, DOCUMENTS, driver, rejectsWith, textOf } from '../fixtures/openapi/driver.js';
import { startFixtureServer, type FixtureServer } from '../fixtures/openapi/fixture-server.js';
import { MUSEUM_DOCUMENT, startMuseum, TICKET_PNG } from '../fixtures/openapi/museum.js';
import { PETSTORE_DOCUMENT, startPetstore } from '../fixtures/openapi/petstore.js';
import { closeAll } from '../helpers/teardown.js';

describe('calls against a local Swagger Petstore', () => {
  const API_KEY = 'petstore-key-123';
  let petstore: FixtureServer;
  let target: TargetDriver;

  before(async () => {
    petstore = await startPetstore({ apiKey: API_KEY });
    // The document is served by the API itself with a relative server (/api/v3), as petstore3.swagger.io does.
    target = await driver({ source: `${petstore.url}/api/v3/openapi.json`, headers: { 'x-client': 'toolport-test' } });
  });
  after(() =>
    closeAll(
      () => target?.close(),
      () => petstore?.close(),
    ),
  );

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
    assert.deepEqual(
      (JSON.parse(textOf(sold)) as { id: number }[]).map((pet) => pet.id),
      [2],
    );
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

    const inQuery = await driver(
      { source: `${petstore.url}/api/v3/openapi.json`, headers: { api_key: 'static-loses' } },
      { credentials: credentials({}, { api_key: API_KEY }) },
    );
    const viaQuery = await inQuery.callTool('findPetsByStatus', { status: 'pending' }, context());
    assert.equal(lastRequest().rawQuery, `status=pending&api_key=${API_KEY}`);
    assert.equal(viaQuery.isError, undefined);
    const inventory = await inQuery.callTool('getInventory', {}, context());
    assert.equal(inventory.isError, undefined);
    await inQuery.close();

    const overriding = await driver(
      { source: `${petstore.url}/api/v3/openapi.json`, headers: { Api_Key: 'static-loses' } },
      { credentials: credentials({ API_KEY: API_KEY }) },
    );
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
    await rejectsWith(
      target.callTool('deletePet', { petId: 1, api_key: 'a\r\nx-injected: 1' }, context()),
      'invalid',
      /header "api_key" of deletePet has characters an HTTP header cannot carry/,
    );
    assert.equal(petstore.requests.length, before);
  });

  it('a path parameter "." or ".." is refused before any request: no undeclared path is reached', async () => {
    const before = petstore.requests.length;
    for (const petId of ['..', '.']) {
      await rejectsWith(
        target.callTool('getPetById', { petId }, context()),
        'invalid',
        /a path parameter of getPetById is "\." or "\.\.", which would leave the operation's path \/pet\/\{petId\}/,
      );
    }
    assert.equal(petstore.requests.length, before);
    // Dots inside a segment, a slash or an encoded dot are encoded and stay within the operation's path.
    await target.callTool('getPetById', { petId: '../../user/login' }, context());
    assert.equal(lastRequest().path, '/api/v3/pet/..%2F..%2Fuser%2Flogin');
    await target.callTool('getPetById', { petId: '%2e%2e' }, context());
    assert.equal(lastRequest().path, '/api/v3/pet/%252e%252e');
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
  after(() =>
    closeAll(
      () => target?.close(),
      () => echo?.close(),
    ),
  );

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

  it('a label path value "." that would make a ".." segment is refused before any request', async () => {
    const before = echo.requests.length;
    await rejectsWith(target.callTool('labelPath', { ids: ['.'] }, context()), 'invalid', /would leave the operation's path/);
    assert.equal(echo.requests.length, before);
  });

  it('a query credential replaces an argument of the same name, never joins it', async () => {
    const withKey = await driver({ source: `${echo.url}/specs/serialisation.yaml` }, { credentials: credentials({}, { fields: 'from-vault' }) });
    await withKey.callTool('labelPath', { ids: ['a'], fields: ['caller', 'supplied'] }, context());
    assert.equal(echo.requests.at(-1)?.rawQuery, 'fields=from-vault');
    await withKey.close();
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
    assert.deepEqual(report.content, [
      { type: 'resource', resource: { uri: `${echo.url}/v1/report`, mimeType: 'application/pdf', blob: Buffer.from('%PDF-1.7 tiny').toString('base64') } },
    ]);
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
      // The guard owns the call's deadline (at the target's timeout); the driver reads its signal.
      await rejectsWith(target.callTool('getPetById', { petId: 1 }, context(new Deadline(300).signal)), 'timeout', /did not answer within 300 ms/);
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
    target = await driver({ source: 'data/openapi/redocly-museum.openapi.yaml', baseUrl: museum.url }, { credentials: credentials({ Authorization: basic }) });
  });
  after(() =>
    closeAll(
      () => target?.close(),
      () => museum?.close(),
    ),
  );

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
    assert.deepEqual(
      (JSON.parse(textOf(listed)) as { eventId: string }[]).map((e) => e.eventId),
      [eventId],
    );

    const deleted = await target.callTool('deleteSpecialEvent', { eventId }, context());
    assert.deepEqual(deleted, { content: [{ type: 'text', text: 'HTTP 204 No Content' }] });
    const gone = await target.callTool('getSpecialEvent', { eventId }, context());
    assert.equal(gone.isError, true);
    assert.equal(textOf(gone), 'HTTP 404 Not Found: {"type":"object","title":"Event not found"}');
  });

  it('tickets: buy (allOf body) and fetch the QR code as image content', async () => {
    const bought = await target.callTool(
      'buyMuseumTickets',
      { body: { ticketType: 'general', ticketDate: '2026-12-24', email: 'todd@example.com' } },
      context(),
    );
    const confirmation = bought.structuredContent as { ticketId: string; message: string };
    assert.equal(confirmation.message, 'Museum general entry ticket purchased');
    const qr = await target.callTool('getTicketCode', { ticketId: confirmation.ticketId }, context());
    assert.deepEqual(qr.content, [{ type: 'image', data: TICKET_PNG.toString('base64'), mimeType: 'image/png' }]);
    assert.equal(museum.requests.at(-1)?.headers.accept, 'image/png');
  });

  it('museum hours with paging; a limit over the maximum is a 400 problem result', async () => {
    const hours = await target.callTool('getMuseumHours', { startDate: '2026-01-30', page: 2, limit: 3 }, context());
    assert.deepEqual(
      (JSON.parse(textOf(hours)) as { date: string }[]).map((day) => day.date),
      ['2026-02-02', '2026-02-03', '2026-02-04'],
    );
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
