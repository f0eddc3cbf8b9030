import type { IncomingHttpHeaders } from 'node:http';
import type { Principal } from './jwt-authorizer.js';

/** The parts of an HTTP request an authorizer may look at. `body()` reads (once) only when a scheme signs it. */
export interface InboundRequest {
  method: string;
  /** The URL as the client addressed it (scheme, host, path and query). */
  url: URL;
  headers: IncomingHttpHeaders;
  body(): Promise<Buffer>;
}

/** One configured inbound scheme. */
export interface InboundAuthorizer {
  authenticate(request: InboundRequest): Promise<Principal>;
  /** The authorization server to name in RFC 9728 metadata; undefined for schemes without one (SigV4). */
  issuer(): Promise<string | undefined>;
  /** Scopes to advertise in protected-resource metadata. */
  readonly scopes: readonly string[];
}
