import { AuthError } from './errors.js';
import { bearerToken } from './challenge.js';
import { JwtAuthorizer, type JwtAuthorizerConfig, type Principal } from './jwt-authorizer.js';
import type { AccessKeyLookup } from './access-keys.js';
import type { InboundAuthorizer, InboundRequest } from './authorizer.js';
import { SigV4Authorizer, type SigV4AuthorizerConfig, type SigV4Options } from './sigv4.js';

/** A runtime's or gateway's `auth` setting: `none` (explicit), a JWT authorizer, or SigV4 with Identity's access keys. */
export type InboundAuthSpec = 'none' | { jwt: JwtAuthorizerConfig } | { sigv4: SigV4AuthorizerConfig };

/** What non-bearer schemes need: SigV4 looks up the secrets of Identity's access keys. */
export interface InboundAuthDeps {
  accessKeys?: AccessKeyLookup;
  sigv4?: SigV4Options;
  /** This platform's base URL, against which a path-only `discoveryUrl` (its own Identity) resolves. */
  selfUrl?: () => string;
}

class BearerJwt implements InboundAuthorizer {
  private readonly jwt: JwtAuthorizer;
  readonly scopes: readonly string[];
  constructor(
    config: JwtAuthorizerConfig,
    private readonly selfUrl?: () => string,
  ) {
    this.jwt = new JwtAuthorizer(config);
    this.scopes = config.allowedScopes ?? [];
  }
  async authenticate(request: InboundRequest): Promise<Principal> {
    const token = bearerToken(request.headers.authorization);
    if (!token) throw new AuthError('missing_token', 'this resource requires a bearer token (Authorization: Bearer <JWT>)');
    // The platform's own URL, never the Host header: a caller must not make a bound audience look foreign.
    const platform = URL.parse(this.selfUrl?.() ?? '');
    return this.jwt.verify(token, platform ? { url: request.url, platform } : undefined);
  }
  issuer(): Promise<string> {
    return this.jwt.issuer();
  }
}

/**
 * Inbound authorizers by spec, shared by every runtime and gateway. Instances are cached per distinct spec so JWKS
 * caches survive across requests and config versions that did not change the auth block.
 */
export class InboundAuth {
  private readonly cache = new Map<string, InboundAuthorizer>();

  constructor(private readonly deps: InboundAuthDeps = {}) {}

  /** The authorizer for `spec`, or undefined when the resource is open (`none`). */
  for(spec: InboundAuthSpec): InboundAuthorizer | undefined {
    if (spec === 'none') return undefined;
    const key = JSON.stringify(spec);
    let authorizer = this.cache.get(key);
    if (!authorizer) {
      if ('jwt' in spec) authorizer = new BearerJwt({ ...spec.jwt, discoveryUrl: this.resolveDiscovery(spec.jwt.discoveryUrl) }, this.deps.selfUrl);
      else if (this.deps.accessKeys) authorizer = new SigV4Authorizer(spec.sigv4, this.deps.accessKeys, this.deps.sigv4);
      else throw new AuthError('misconfigured', 'sigv4 needs the access keys of Toolport Identity; this host was started without them');
      this.cache.set(key, authorizer);
    }
    return authorizer;
  }

  /** `/identity/...` names this platform's own issuer, so a config need not repeat the host and port it runs on. */
  private resolveDiscovery(discoveryUrl: string): string {
    if (!discoveryUrl.startsWith('/')) return discoveryUrl;
    const self = this.deps.selfUrl?.();
    if (!self) throw new AuthError('misconfigured', `the discovery URL ${discoveryUrl} is a path, but this host does not know its own URL`);
    return new URL(discoveryUrl, self).href;
  }

  /** Checks a request against `spec`; undefined principal when the resource is open. Throws AuthError. */
  async authenticate(spec: InboundAuthSpec, request: InboundRequest): Promise<Principal | undefined> {
    return this.for(spec)?.authenticate(request);
  }

  /**
   * RFC 9728 protected-resource metadata for a protected resource, so a spec-following MCP client finds the
   * authorization server by itself; undefined when the resource is open.
   */
  async protectedResourceMetadata(spec: InboundAuthSpec, resource: string, resourceName: string): Promise<Record<string, unknown> | undefined> {
    const authorizer = this.for(spec);
    if (!authorizer) return undefined;
    const issuer = await authorizer.issuer();
    return {
      resource,
      ...(issuer ? { authorization_servers: [issuer] } : {}),
      bearer_methods_supported: ['header'],
      ...(authorizer.scopes.length ? { scopes_supported: authorizer.scopes } : {}),
      resource_name: resourceName,
    };
  }
}
