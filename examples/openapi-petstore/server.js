// The demo pet store behind the demo gateway's `openapi` target: the API that openapi.yaml (beside this file)
// describes, in memory, on plain node:http. It also serves its own document at /api/openapi.yaml, with the server's
// `port` variable defaulting to the port it really listens on, so a target reading the document by URL needs no baseUrl.
// Usage: node examples/openapi-petstore/server.js [--port 4010] [--host 127.0.0.1]
// With PETSTORE_API_KEY set, GET /api/store/inventory needs that key in the X-API-Key header.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';

const options = { port: 4010, host: '127.0.0.1' };
for (let i = 2; i < process.argv.length; i += 2) {
  const [flag, value] = [process.argv[i], process.argv[i + 1]];
  if (flag === '--port' && value !== undefined) options.port = Number(value);
  else if (flag === '--host' && value !== undefined) options.host = value;
  else {
    console.error(`unknown option ${flag}; usage: node examples/openapi-petstore/server.js [--port 4010] [--host 127.0.0.1]`);
    process.exit(2);
  }
}

const DOCUMENT = readFileSync(new URL('./openapi.yaml', import.meta.url), 'utf8');
let servedDocument = DOCUMENT;
const STATUSES = ['available', 'pending', 'sold'];
const MAX_BODY_BYTES = 64 * 1024;
const apiKey = process.env.PETSTORE_API_KEY;

const pets = new Map();
let nextId = 1;
for (const pet of [
  { name: 'Rex', species: 'dog', status: 'available', tags: ['good', 'loud'] },
  { name: 'Tom', species: 'cat', status: 'sold', tags: ['lazy'] },
  { name: 'Polly', species: 'parrot', status: 'pending', tags: ['loud'] },
]) {
  pets.set(nextId, { id: nextId, ...pet });
  nextId += 1;
}

/** An RFC 9457 problem answer. */
function problem(status, title) {
  return { status, type: 'application/problem+json', body: { title, status } };
}

function ok(status, body) {
  return { status, type: 'application/json', body };
}

/** Checks a pet's writable fields; returns an error title or undefined. */
function invalidPet(fields, { partial }) {
  if (typeof fields !== 'object' || fields === null || Array.isArray(fields)) return 'the body must be a JSON object';
  if (!partial && fields.name === undefined) return 'name is required';
  if (fields.name !== undefined && (typeof fields.name !== 'string' || fields.name === '')) return 'name must be a non-empty string';
  if (fields.status !== undefined && !STATUSES.includes(fields.status)) return `status must be one of ${STATUSES.join(', ')}`;
  if (fields.species !== undefined && fields.species !== null && typeof fields.species !== 'string') return 'species must be a string or null';
  if (fields.tags !== undefined && !(Array.isArray(fields.tags) && fields.tags.every((tag) => typeof tag === 'string')))
    return 'tags must be an array of strings';
  return undefined;
}

function writable(fields) {
  const { name, species, status, tags } = fields;
  return Object.fromEntries(Object.entries({ name, species, status, tags }).filter(([, value]) => value !== undefined));
}

function listPets(query) {
  const status = query.get('status');
  if (status !== null && !STATUSES.includes(status)) return problem(400, `status must be one of ${STATUSES.join(', ')}`);
  const limit = Number(query.get('limit') ?? 20);
  if (!Number.isInteger(limit) || limit < 1 || limit > 100) return problem(400, 'limit must be an integer from 1 to 100');
  const tags = query.getAll('tags');
  const matching = [...pets.values()].filter(
    (pet) => (status === null || pet.status === status) && (tags.length === 0 || pet.tags.some((tag) => tags.includes(tag))),
  );
  return ok(200, { pets: matching.slice(0, limit), total: matching.length });
}

function route(method, path, query, headers, body) {
  if (method === 'GET' && path === '/api/openapi.yaml') return { status: 200, type: 'application/yaml', raw: servedDocument };
  if (path === '/api/pets') {
    if (method === 'GET') return listPets(query);
    if (method === 'POST') {
      const error = invalidPet(body, { partial: false });
      if (error) return problem(400, error);
      const pet = { id: nextId, status: 'available', tags: [], species: null, ...writable(body) };
      pets.set(nextId, pet);
      nextId += 1;
      return ok(201, pet);
    }
  }
  const match = /^\/api\/pets\/([^/]+)$/.exec(path);
  if (match) {
    const id = Number(match[1]);
    if (!Number.isInteger(id) || id < 1) return problem(400, 'petId must be a positive integer');
    const pet = pets.get(id);
    if (!pet) return problem(404, `no pet with id ${id}`);
    if (method === 'GET') return ok(200, pet);
    if (method === 'PATCH') {
      const error = invalidPet(body, { partial: true });
      if (error) return problem(400, error);
      const changed = { ...pet, ...writable(body) };
      pets.set(id, changed);
      return ok(200, changed);
    }
    if (method === 'DELETE') {
      pets.delete(id);
      return { status: 204 };
    }
  }
  if (method === 'GET' && path === '/api/store/inventory') {
    if (apiKey !== undefined && headers['x-api-key'] !== apiKey) return problem(401, 'a valid X-API-Key header is required');
    const counts = Object.fromEntries(STATUSES.map((status) => [status, 0]));
    for (const pet of pets.values()) counts[pet.status] += 1;
    return ok(200, counts);
  }
  return problem(404, `no route for ${method} ${path}`);
}

/** `{ value }` (undefined for an empty body), or undefined when the text is not JSON. */
function parseJson(text) {
  try {
    return { value: text === '' ? undefined : JSON.parse(text) };
  } catch {
    return undefined;
  }
}

const server = createServer((req, res) => {
  const chunks = [];
  let size = 0;
  req.on('data', (chunk) => {
    size += chunk.length;
    if (size <= MAX_BODY_BYTES) chunks.push(chunk);
  });
  req.on('end', () => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    let answer;
    if (size > MAX_BODY_BYTES) answer = problem(413, `the body is larger than ${MAX_BODY_BYTES} bytes`);
    else {
      const parsed = parseJson(Buffer.concat(chunks).toString('utf8'));
      answer = parsed ? route(req.method ?? 'GET', url.pathname, url.searchParams, req.headers, parsed.value) : problem(400, 'the body is not valid JSON');
    }
    const payload = answer.raw ?? (answer.body === undefined ? '' : JSON.stringify(answer.body));
    res.writeHead(answer.status, answer.type ? { 'content-type': answer.type } : {});
    res.end(payload);
  });
});

server.listen(options.port, options.host, () => {
  const { port } = server.address();
  servedDocument = DOCUMENT.replace('port: { default: "4010"', `port: { default: "${port}"`);
  console.log(`pet store listening on http://${options.host}:${port}/api (document: /api/openapi.yaml)`);
});
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => server.close(() => process.exit(0)));
