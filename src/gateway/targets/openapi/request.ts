import { FormData } from 'undici';
import { TargetError } from '../types.js';
import { isRecord } from './json-schema.js';
import { isJsonMediaType, type Operation, type ParameterBinding } from './operations.js';

/** What the driver adds to every request: static headers from the spec, then the vault's credentials (they win). */
export interface RequestExtras {
  staticHeaders: Record<string, string>;
  credentialHeaders: Record<string, string>;
  credentialQuery: Record<string, string>;
}

export interface UpstreamRequest {
  url: string;
  method: string;
  headers: Record<string, string>;
  body?: string | FormData | URLSearchParams;
}

/** A path segment URL parsing would resolve away (RFC 3986 §5.2.4 dot segments). */
const DOT_SEGMENT = /^\.\.?$/;

/** Builds the HTTP request for one tool call (OpenAPI 3 §4.8.12.4 serialisation defaults: simple/form, explode for form). */
export function buildRequest(operation: Operation, args: Record<string, unknown>, server: string, extras: RequestExtras): UpstreamRequest {
  let path = operation.path;
  const query: string[] = [];
  const cookies: string[] = [];
  // Header names are case-insensitive: lower-cased throughout, so a later source replaces an earlier one.
  const headers: Record<string, string> = { ...lowerCaseNames(extras.staticHeaders), accept: operation.accept };
  for (const binding of operation.parameters) {
    const value = args[binding.key];
    if (value === undefined || value === null) {
      if (binding.required) throw new TargetError('invalid', `missing required ${binding.in} parameter "${binding.key}" for ${operation.tool.name}`);
      continue;
    }
    if (binding.in === 'path') path = path.split(`{${binding.name}}`).join(pathValue(binding, value));
    else if (binding.in === 'query') {
      // A query credential from the vault wins over an argument of the same name.
      if (!(binding.name in extras.credentialQuery)) query.push(...queryPairs(binding, value));
    } else if (binding.in === 'header') headers[binding.name.toLowerCase()] = binding.json ? JSON.stringify(value) : simpleValue(value, binding.explode);
    else cookies.push(`${binding.name}=${encodeURIComponent(binding.json ? JSON.stringify(value) : simpleValue(value, false))}`);
  }
  // encodeURIComponent leaves "." as it is (it encodes "%", so "%2e" cannot be made), and URL parsing resolves "."
  // and ".." segments: a value that makes one would reach a path the operation does not declare, with the target's credentials.
  if (path.split('/').some((segment) => DOT_SEGMENT.test(segment))) {
    throw new TargetError('invalid', `a path parameter of ${operation.tool.name} is "." or "..", which would leave the operation's path ${operation.path}`);
  }
  if (cookies.length > 0) headers.cookie = cookies.join('; ');
  for (const [name, value] of Object.entries(headers)) {
    // RFC 9110 §5.5: field values are visible ASCII/Latin-1 without CR, LF or NUL; fetch would refuse them anyway.
    if (/[^\t\x20-\x7e\x80-\xff]/.test(value))
      throw new TargetError('invalid', `header "${name}" of ${operation.tool.name} has characters an HTTP header cannot carry`);
  }
  for (const [name, value] of Object.entries(extras.credentialQuery)) query.push(`${encodeURIComponent(name)}=${encodeURIComponent(value)}`);
  Object.assign(headers, lowerCaseNames(extras.credentialHeaders));
  const request: UpstreamRequest = {
    url: `${server.replace(/\/+$/, '')}${path}${query.length > 0 ? `?${query.join('&')}` : ''}`,
    method: operation.method,
    headers,
  };
  const body = operation.body;
  const value = body ? args[body.key] : undefined;
  if (body && value !== undefined) {
    if (body.mediaType.startsWith('multipart/form-data')) {
      // fetch writes the multipart boundary into content-type itself.
      request.body = formData(value);
    } else {
      request.body = encodeBody(body.mediaType, value);
      headers['content-type'] = body.mediaType.includes('*') ? 'application/json' : body.mediaType;
    }
  } else if (body?.required) {
    throw new TargetError('invalid', `missing required request body "${body.key}" for ${operation.tool.name}`);
  }
  return request;
}

function lowerCaseNames(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value]));
}

function text(value: unknown): string {
  return typeof value === 'string' ? value : typeof value === 'object' ? JSON.stringify(value) : String(value);
}

/** "simple" style: arrays `a,b`; objects `k,v,k2,v2`, or `k=v,k2=v2` exploded. */
function simpleValue(value: unknown, explode: boolean, encode: (part: string) => string = (part) => part): string {
  if (Array.isArray(value)) return value.map((item) => encode(text(item))).join(',');
  if (isRecord(value))
    return Object.entries(value)
      .map(([k, v]) => (explode ? `${encode(k)}=${encode(text(v))}` : `${encode(k)},${encode(text(v))}`))
      .join(',');
  return encode(text(value));
}

function pathValue(binding: ParameterBinding, value: unknown): string {
  if (binding.json) return encodeURIComponent(JSON.stringify(value));
  const encoded = simpleValue(value, binding.explode, encodeURIComponent);
  if (binding.style === 'label') return `.${binding.explode ? encoded.replace(/,/g, '.') : encoded}`;
  if (binding.style === 'matrix') {
    const name = encodeURIComponent(binding.name);
    if (Array.isArray(value) && binding.explode) return value.map((item) => `;${name}=${encodeURIComponent(text(item))}`).join('');
    if (isRecord(value) && binding.explode) return `;${encoded.replace(/,/g, ';')}`;
    return `;${name}=${encoded}`;
  }
  return encoded;
}

function queryPairs(binding: ParameterBinding, value: unknown): string[] {
  // allowReserved keeps RFC 3986 reserved characters as they are, except those that would end the query.
  const encode = binding.allowReserved ? (part: string) => encodeURI(part).replace(/[#&]/g, encodeURIComponent) : encodeURIComponent;
  const name = encode(binding.name);
  if (binding.json) return [`${name}=${encodeURIComponent(JSON.stringify(value))}`];
  if (Array.isArray(value)) {
    const items = value.map((item) => encode(text(item)));
    if (binding.explode && binding.style === 'form') return items.map((item) => `${name}=${item}`);
    const separator = binding.style === 'spaceDelimited' ? '%20' : binding.style === 'pipeDelimited' ? '|' : ',';
    return [`${name}=${items.join(separator)}`];
  }
  if (isRecord(value)) {
    const entries = Object.entries(value);
    if (binding.style === 'deepObject') return entries.map(([k, v]) => `${name}%5B${encode(k)}%5D=${encode(text(v))}`);
    if (binding.explode) return entries.map(([k, v]) => `${encode(k)}=${encode(text(v))}`);
    return [`${name}=${entries.map(([k, v]) => `${encode(k)},${encode(text(v))}`).join(',')}`];
  }
  return [`${name}=${encode(text(value))}`];
}

function encodeBody(mediaType: string, value: unknown): string | URLSearchParams {
  if (isJsonMediaType(mediaType)) return JSON.stringify(value);
  if (mediaType.startsWith('application/x-www-form-urlencoded') && isRecord(value)) {
    const form = new URLSearchParams();
    for (const [key, item] of Object.entries(value)) for (const one of Array.isArray(item) ? item : [item]) form.append(key, text(one));
    return form;
  }
  return text(value);
}

function formData(value: unknown): FormData {
  const form = new FormData();
  if (!isRecord(value)) throw new TargetError('invalid', 'a multipart/form-data body must be an object of fields');
  for (const [key, item] of Object.entries(value)) for (const one of Array.isArray(item) ? item : [item]) form.append(key, text(one));
  return form;
}
