import { readFile } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import SwaggerParser from '@apidevtools/swagger-parser';
import { fetch, type Dispatcher } from 'undici';
import { parse as parseYaml } from 'yaml';
import { TargetError } from '../types.js';
import { readBounded } from './body.js';
import { isRecord } from './json-schema.js';
import { METHODS } from './operations.js';

/** A parsed, dereferenced OpenAPI 3.x document and where it came from (relative server URLs resolve against it). */
export interface LoadedDocument {
  document: Record<string, unknown>;
  /** An http(s) URL, or an absolute file path. */
  location: string;
}

/** Documents beyond this are refused rather than parsed (the largest real ones we test, Box and Discord, are < 2 MB). */
const MAX_DOCUMENT_BYTES = 20 * 1024 * 1024;

function isHttpUrl(source: string): boolean {
  return /^https?:\/\//i.test(source);
}

/**
 * Reads the document (file or URL), refuses Swagger 2.0 and non-3.0/3.1 versions, and dereferences every `$ref`
 * with `@apidevtools/swagger-parser`. Circular references stay as cycles in memory; the converter bounds them.
 */
export async function loadDocument(source: string, baseDir: string, signal: AbortSignal, dispatcher: Dispatcher): Promise<LoadedDocument> {
  const isUrl = isHttpUrl(source);
  const location = isUrl ? source : isAbsolute(source) ? source : resolve(baseDir, source);
  const text = isUrl ? await fetchDocument(location, signal, dispatcher) : await readDocumentFile(location);
  const document = parseDocument(text, location);
  checkVersion(document, location);
  if (isUrl) resolveRelativeServers(document, location);
  // The parser reports a failed read without its reason, so the reason is kept here.
  let failedRead: Error | undefined;
  const readRef = (file: { url: string }): Promise<string> =>
    fetchDocument(file.url, signal, dispatcher).catch((error: Error) => {
      failedRead = error;
      throw error;
    });
  try {
    // External `$ref`s resolve relative to the document; a document from the network may not read local files. Ones
    // over HTTP are fetched like the document, through the target's pool.
    const dereferenced = await SwaggerParser.dereference(location, document as never, {
      dereference: { circular: true },
      resolve: { http: { read: readRef }, ...(isUrl ? { file: false } : {}) },
    });
    return { document: dereferenced as unknown as Record<string, unknown>, location };
  } catch (error) {
    throw new TargetError('invalid', `cannot resolve the $refs of the OpenAPI document ${location}: ${(failedRead ?? (error as Error)).message}`);
  }
}

async function readDocumentFile(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    throw new TargetError('invalid', `cannot read the OpenAPI document ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
}

/** Fetched through the target's own pool, which checks the address of every connection, redirects' included. */
async function fetchDocument(url: string, signal: AbortSignal, dispatcher: Dispatcher): Promise<string> {
  let response: Response;
  try {
    const headers = { accept: 'application/json, application/yaml, text/yaml, */*;q=0.5' };
    response = (await fetch(url, { signal, headers, dispatcher })) as unknown as Response;
  } catch (error) {
    if (signal.aborted) throw new TargetError('timeout', `the OpenAPI document ${url} did not arrive in time`);
    throw new TargetError('unreachable', `cannot fetch the OpenAPI document ${url}: ${causeOf(error)}`);
  }
  if (!response.ok) {
    await response.body?.cancel();
    throw new TargetError('unreachable', `cannot fetch the OpenAPI document ${url}: HTTP ${response.status}`);
  }
  const { bytes, truncated } = await readBounded(response.body, MAX_DOCUMENT_BYTES);
  if (truncated) throw new TargetError('invalid', `the OpenAPI document ${url} is larger than ${MAX_DOCUMENT_BYTES} bytes`);
  return bytes.toString('utf8');
}

/** The low-level reason of a failed fetch (ECONNREFUSED, ENOTFOUND, ...), which undici hides in `cause`. */
export function causeOf(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (error as Error).message;
}

function parseDocument(text: string, location: string): Record<string, unknown> {
  // JSON.parse is far faster on the megabyte-sized JSON documents; YAML covers the rest.
  const json = text.trimStart().startsWith('{');
  let parsed: unknown;
  try {
    parsed = json ? JSON.parse(text) : parseYaml(text, { maxAliasCount: 1000 });
  } catch (error) {
    // The reason and position only: both parsers go on to quote the text, and the file may be anything.
    const reason = (error as Error).message.split(/\n|, (?:\.\.\.)?"/)[0];
    throw new TargetError('invalid', `the OpenAPI document ${location} is not valid ${json ? 'JSON' : 'YAML'}: ${reason}`);
  }
  if (!isRecord(parsed)) throw new TargetError('invalid', `the OpenAPI document ${location} is not an object`);
  return parsed;
}

/**
 * Relative server URLs are relative to where the document was served from (OpenAPI 3 §4.8.5). Resolved here, before
 * the parser sees them: its own fix-up drops the port (`http://host:8080/doc` → `http://host/api`).
 */
function resolveRelativeServers(document: Record<string, unknown>, location: string): void {
  const levels: unknown[] = [document.servers];
  for (const pathItem of Object.values(isRecord(document.paths) ? document.paths : {})) {
    if (!isRecord(pathItem)) continue;
    levels.push(pathItem.servers, ...METHODS.map((method) => (isRecord(pathItem[method]) ? pathItem[method].servers : undefined)));
  }
  for (const servers of levels) {
    if (!Array.isArray(servers)) continue;
    for (const server of servers) {
      if (!isRecord(server) || typeof server.url !== 'string' || /^[a-z][a-z0-9+.-]*:/i.test(server.url)) continue;
      // Keep `{variable}` placeholders readable for substitution later (URL() would percent-encode the braces).
      server.url = new URL(server.url, location).href.replace(/%7B/gi, '{').replace(/%7D/gi, '}');
    }
  }
}

function checkVersion(document: Record<string, unknown>, location: string): void {
  if (document.swagger !== undefined) {
    throw new TargetError(
      'invalid',
      `${location} is a Swagger ${String(document.swagger)} document; only OpenAPI 3.0 and 3.1 are supported: convert to OpenAPI 3 first (e.g. https://converter.swagger.io or swagger2openapi)`,
    );
  }
  if (typeof document.openapi !== 'string' || !/^3\.[01]\.\d+$/.test(document.openapi)) {
    throw new TargetError('invalid', `${location} is not an OpenAPI 3.0/3.1 document (openapi: ${JSON.stringify(document.openapi ?? null)})`);
  }
  if (!isRecord(document.paths)) throw new TargetError('invalid', `${location} has no "paths": nothing to turn into tools`);
}
