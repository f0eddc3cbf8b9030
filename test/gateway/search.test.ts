import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { dataDir, evaluate, loadSplit, TARGETS } from '../../scripts/eval-search.js';
import { ToolSearchIndex, type ToolDef } from '../../src/gateway/search/index.js';
import { tokenize } from '../../src/gateway/search/tokenize.js';

const obj = (properties: Record<string, unknown> = {}, required: string[] = []): Record<string, unknown> => ({
  type: 'object',
  properties,
  ...(required.length > 0 ? { required } : {}),
});

const TOOLS: ToolDef[] = [
  {
    name: 'weather__get_forecast',
    description: 'Daily forecast for the next days. [RapidAPI tool: Weather; category: Weather]',
    inputSchema: obj({ city: { type: 'string', description: 'City name' } }, ['city']),
  },
  {
    name: 'weather__current_conditions',
    description: 'Temperature, wind and humidity right now. [RapidAPI tool: Weather; category: Weather]',
    inputSchema: obj({ lat: { type: 'number' }, lon: { type: 'number' } }),
  },
  {
    name: 'hotels__book_room',
    title: 'Book a room',
    description: 'Reserves a hotel room for given dates. [RapidAPI tool: Hotels; category: Travel]',
    inputSchema: obj({ hotelId: { type: 'string' }, checkIn: { type: 'string', format: 'date' } }),
  },
  {
    name: 'hotels__list_reviews',
    description: 'Guest reviews of a hotel. [RapidAPI tool: Hotels; category: Travel]',
    inputSchema: obj({ hotelId: { type: 'string' } }),
  },
  {
    name: 'library__lookup',
    description: 'Finds a publication in the catalogue.',
    inputSchema: obj({ isbn: { type: 'string', description: 'The 13-digit identifier' } }, ['isbn']),
  },
  {
    name: 'mail__send_message',
    description: 'Delivers an email to one or more recipients.',
    inputSchema: obj({ to: { type: 'string' }, subject: { type: 'string' }, body: { type: 'string' } }),
  },
  { name: 'storage__getfileversions', description: 'GetFileVersions', inputSchema: obj({ path: { type: 'string' } }) },
  { name: 'ping', inputSchema: obj() },
];

const names = (index: ToolSearchIndex, query: string, limit?: number): string[] => index.search(query, limit).map((h) => h.tool.name);

describe('ToolSearchIndex', () => {
  const index = new ToolSearchIndex(TOOLS);

  it('ranks an exact tool-name match first', () => {
    assert.equal(names(index, 'weather__current_conditions')[0], 'weather__current_conditions');
    assert.equal(names(index, 'send message')[0], 'mail__send_message');
  });

  it('matches words that occur only in a description', () => {
    assert.equal(names(index, 'what is the humidity and wind outside?')[0], 'weather__current_conditions');
    assert.equal(names(index, 'deliver an email to my team')[0], 'mail__send_message');
  });

  it('matches parameter names', () => {
    assert.equal(names(index, 'which title has ISBN 9780262033848?')[0], 'library__lookup');
  });

  it('stems: "booking" finds "book", "reviews" finds "review"', () => {
    assert.deepEqual(tokenize('booking'), tokenize('book'));
    assert.deepEqual(tokenize('Bookings'), tokenize('booked'));
    assert.equal(names(index, 'hotel booking for next week')[0], 'hotels__book_room');
    assert.equal(names(index, 'what did guests review about this hotel')[0], 'hotels__list_reviews');
  });

  it('matches CamelCase in a request against run-together names', () => {
    assert.equal(names(index, 'call GetFileVersions for report.docx')[0], 'storage__getfileversions');
  });

  it('respects the limit', () => {
    assert.ok(names(index, 'hotel weather forecast room reviews', 10).length > 2);
    assert.equal(names(index, 'hotel weather forecast room reviews', 2).length, 2);
    assert.deepEqual(names(index, 'hotel', 0), []);
    // Past the re-ranking pool the list continues by score, still best first.
    const wide = new ToolSearchIndex(TOOLS, { pool: 2 }).search('hotel weather forecast room reviews', 1000);
    assert.equal(wide.length, 4);
    for (let i = 1; i < wide.length; i++) assert.ok(wide[i - 1]!.score >= wide[i]!.score);
  });

  it('returns nothing for an empty, stop-word-only or unmatched query', () => {
    assert.deepEqual(index.search(''), []);
    assert.deepEqual(index.search('   ?!  '), []);
    assert.deepEqual(index.search('could you please do it for me'), []);
    assert.deepEqual(index.search('zyxwvut'), []);
  });

  it('returns the full definitions, best first with descending scores', () => {
    const hits = index.search('hotel room reviews');
    for (const hit of hits)
      assert.equal(
        hit.tool,
        TOOLS.find((t) => t.name === hit.tool.name),
      );
    const booked = hits.find((h) => h.tool.name === 'hotels__book_room');
    assert.deepEqual(booked?.tool, TOOLS[2]);
    for (let i = 1; i < hits.length; i++) assert.ok(hits[i - 1]!.score >= hits[i]!.score);
  });

  it('follows add and remove', () => {
    const local = new ToolSearchIndex(TOOLS);
    assert.deepEqual(names(local, 'translate text'), []);
    local.add({ name: 'translate', description: 'Translate text between languages', inputSchema: obj() });
    assert.equal(names(local, 'translate text')[0], 'translate');
    assert.equal(local.remove('translate', 'nope'), 1);
    assert.deepEqual(names(local, 'translate text'), []);
    assert.equal(local.size, TOOLS.length);
  });

  it('keeps the plain BM25 baseline available', () => {
    const plain = new ToolSearchIndex(TOOLS, { bm25: true });
    assert.equal(names(plain, 'weather__get_forecast')[0], 'weather__get_forecast');
    assert.deepEqual(names(plain, 'booking'), []); // no stemming in the baseline
  });
});

const dir = dataDir();
describe('tool-retrieval dev split', () => {
  it(`meets recall@5 >= ${TARGETS.r5} and MRR >= ${TARGETS.mrr}`, () => {
    assert.ok(existsSync(join(dir, 'queries.jsonl')), `the benchmark data is missing from ${dir}; set TOOL_RETRIEVAL_DIR`);
    const { tools, queries } = loadSplit(dir);
    const { all } = evaluate(tools, queries);
    assert.ok(all.r5 >= TARGETS.r5, `recall@5 ${all.r5.toFixed(4)}`);
    assert.ok(all.mrr >= TARGETS.mrr, `MRR ${all.mrr.toFixed(4)}`);
  });
});
