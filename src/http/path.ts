import { ToolportError } from '../errors/index.js';

/** A request path whose percent escapes do not decode (RFC 3986 §2.1): the edge answers 400. */
export class BadPathError extends ToolportError<'bad_path'> {
  constructor(message: string) {
    super('bad_path', message);
  }
}

/** How much of a bad segment an error message quotes; the rest is the caller's own input anyway. */
const QUOTED_CHARS = 80;

/** Decodes one path segment (`%41` → `A`); throws BadPathError instead of a URIError on a malformed escape. */
export function decodePathPart(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    const quoted = part.length > QUOTED_CHARS ? `${part.slice(0, QUOTED_CHARS)}...` : part;
    throw new BadPathError(`the path segment "${quoted}" has a malformed percent escape; write a literal % as %25`);
  }
}
