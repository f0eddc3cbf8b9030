import { ToolportError } from '../errors/index.js';

/**
 * Deepest JSON nesting accepted at an edge. Parsed JSON is walked by recursive code later (validators, serializers on
 * the way to a worker), which a body nested 100,000 levels deep overflows; real MCP messages stay far below this.
 */
export const MAX_JSON_DEPTH = 128;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPENERS = new Set([0x5b, 0x7b]);
const CLOSERS = new Set([0x5d, 0x7d]);

/** True when `text` nests arrays and objects deeper than `max`; one pass without recursion, to run before JSON.parse. */
export function exceedsJsonDepth(text: string, max = MAX_JSON_DEPTH): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === BACKSLASH) i++;
      else if (c === QUOTE) inString = false;
    } else if (c === QUOTE) inString = true;
    else if (OPENERS.has(c) && ++depth > max) return true;
    else if (CLOSERS.has(c)) depth--;
  }
  return false;
}

/** A JSON-RPC request body, or the error to answer it with (400): too deep for the code behind the edge, or not JSON. */
export function parseJsonRpcBody(text: string): { body: unknown } | { error: ToolportError<'bad_request' | 'parse_error'> } {
  if (exceedsJsonDepth(text)) return { error: new ToolportError('bad_request', `Invalid Request: the body nests JSON deeper than ${MAX_JSON_DEPTH} levels`) };
  try {
    return { body: JSON.parse(text) as unknown };
  } catch {
    return { error: new ToolportError('parse_error', 'Parse error: the request body is not valid JSON') };
  }
}
