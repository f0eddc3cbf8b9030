import { createRemoteJWKSet, customFetch, errors, jwtVerify, type JWTPayload } from 'jose';
import { z } from 'zod';
import { AuthError } from './errors.js';
import { onPlatform, resourcePath } from './platform-resource.js';

/** AgentCore's `customJWTAuthorizer` fields, plus required custom claims. */
export interface JwtAuthorizerConfig {
  discoveryUrl: string;
  allowedClients?: string[];
  allowedAudiences?: string[];
  allowedScopes?: string[];
  requiredClaims?: Record<string, string | number | boolean>;
}

/** Who a verified token speaks for. */
export interface Principal {
  subject: string;
  clientId?: string;
  scopes: string[];
  issuer: string;
  /** Every verified claim, for claim-based permission rules. */
  claims: Record<string, unknown>;
}

/** The resource a token is presented to: the URL called, and this platform's base URL. */
export interface CalledResource {
  url: URL;
  platform: URL;
}

/** Injectable network and clock, so tests and callers control them (every call is bounded by `timeoutMs`). */
export interface JwtAuthorizerOptions {
  fetch?: typeof fetch;
  timeoutMs?: number;
  /** Accepted clock skew for exp/nbf/iat. */
  leewaySeconds?: number;
  /** How long discovery and JWKS stay cached; an unknown `kid` refetches the JWKS at most once per cooldown. */
  cacheTtlMs?: number;
  cooldownMs?: number;
  now?: () => Date;
}

const discoverySchema = z.object({ issuer: z.string().url(), jwks_uri: z.string().url() }).passthrough();

/** Asymmetric algorithms only: `none` and HMAC (a shared secret a public JWKS cannot hold) are refused. */
const ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'];

function scopesOf(payload: JWTPayload): string[] {
  if (typeof payload.scope === 'string') return payload.scope.split(' ').filter(Boolean);
  if (Array.isArray(payload.scp)) return payload.scp.filter((s): s is string => typeof s === 'string');
  return [];
}

function audiencesOf(payload: JWTPayload): string[] {
  if (typeof payload.aud === 'string') return [payload.aud];
  return Array.isArray(payload.aud) ? payload.aud : [];
}

/**
 * Verifies bearer JWTs from one OIDC issuer, found by its discovery URL (Toolport Identity, Cognito, Entra ID, Okta,
 * Keycloak...): signature against the issuer's JWKS, `iss`, `exp`/`nbf` with leeway, audience or client, scopes, claims.
 */
export class JwtAuthorizer {
  private discovery?: { issuer: string; jwks: ReturnType<typeof createRemoteJWKSet>; at: number };
  private readonly fetch: typeof fetch;
  private readonly timeoutMs: number;
  private readonly leewaySeconds: number;
  private readonly cacheTtlMs: number;
  private readonly cooldownMs: number;
  private readonly now: () => Date;

  constructor(
    readonly config: JwtAuthorizerConfig,
    options: JwtAuthorizerOptions = {},
  ) {
    if (!config.allowedAudiences?.length && !config.allowedClients?.length) {
      // Without either check, any token the issuer ever minted, for any API, would open this resource.
      throw new AuthError('misconfigured', 'a jwt authorizer needs allowedAudiences or allowedClients');
    }
    this.fetch = options.fetch ?? fetch;
    this.timeoutMs = options.timeoutMs ?? 5_000;
    this.leewaySeconds = options.leewaySeconds ?? 30;
    this.cacheTtlMs = options.cacheTtlMs ?? 10 * 60_000;
    this.cooldownMs = options.cooldownMs ?? 30_000;
    this.now = options.now ?? (() => new Date());
  }

  /** The issuer named by the discovery document (fetched and cached). */
  async issuer(): Promise<string> {
    return (await this.discover()).issuer;
  }

  private async discover(): Promise<NonNullable<JwtAuthorizer['discovery']>> {
    if (this.discovery && Date.now() - this.discovery.at < this.cacheTtlMs) return this.discovery;
    let document: z.output<typeof discoverySchema>;
    try {
      const response = await this.fetch(this.config.discoveryUrl, { signal: AbortSignal.timeout(this.timeoutMs), headers: { accept: 'application/json' } });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      document = discoverySchema.parse(await response.json());
    } catch (error) {
      throw new AuthError('issuer_unavailable', `cannot read the OIDC discovery document at ${this.config.discoveryUrl}: ${(error as Error).message}`);
    }
    const jwks = createRemoteJWKSet(new URL(document.jwks_uri), {
      timeoutDuration: this.timeoutMs,
      cooldownDuration: this.cooldownMs,
      cacheMaxAge: this.cacheTtlMs,
      [customFetch]: this.fetch,
    });
    this.discovery = { issuer: document.issuer, jwks, at: Date.now() };
    return this.discovery;
  }

  /**
   * Verifies a bearer token; throws AuthError `invalid_token` or `insufficient_scope` (messages never contain the
   * token). With `resource`, a token bound to a runtime or gateway of this platform (RFC 8707) opens that one only.
   */
  async verify(token: string, resource?: CalledResource): Promise<Principal> {
    const { issuer, jwks } = await this.discover();
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, jwks, {
        issuer,
        algorithms: ALGORITHMS,
        clockTolerance: this.leewaySeconds,
        currentDate: this.now(),
        requiredClaims: ['exp'],
      }));
    } catch (error) {
      throw new AuthError('invalid_token', describeJoseError(error));
    }
    const { allowedAudiences, allowedClients, allowedScopes, requiredClaims } = this.config;
    const clientId = typeof payload.client_id === 'string' ? payload.client_id : typeof payload.azp === 'string' ? payload.azp : undefined;
    const audienceOk = !!allowedAudiences?.length && audiencesOf(payload).some((aud) => allowedAudiences.includes(aud));
    const clientOk = !!allowedClients?.length && clientId !== undefined && allowedClients.includes(clientId);
    if (!audienceOk && !clientOk) throw new AuthError('invalid_token', 'the token was not issued for this resource (audience or client not allowed)');
    if (resource) checkPlatformAudience(audiencesOf(payload), resource);
    for (const [claim, expected] of Object.entries(requiredClaims ?? {})) {
      const actual = payload[claim];
      const matches = Array.isArray(actual) ? actual.includes(expected) : actual === expected;
      if (!matches) throw new AuthError('invalid_token', `the token's "${claim}" claim does not have the required value`);
    }
    const scopes = scopesOf(payload);
    if (allowedScopes?.length && !scopes.some((scope) => allowedScopes.includes(scope))) {
      throw new AuthError('insufficient_scope', `the token lacks a required scope (one of: ${allowedScopes.join(' ')})`, allowedScopes);
    }
    return { subject: payload.sub ?? clientId ?? 'unknown', ...(clientId ? { clientId } : {}), scopes, issuer, claims: payload };
  }
}

/**
 * A token whose audience names a runtime or gateway of this platform was bound to that resource (RFC 8707 §2): it
 * must not open another one, even one whose allowedClients admits the token's client.
 */
function checkPlatformAudience(audiences: string[], resource: CalledResource): void {
  const bound = audiences.map((aud) => URL.parse(aud)).filter((url): url is URL => url !== null && onPlatform(url, resource.platform));
  if (bound.length && !bound.some((url) => resourcePath(url) === resourcePath(resource.url))) {
    throw new AuthError('invalid_token', 'the token was issued for another resource of this platform (its audience names a different runtime or gateway)');
  }
}

function describeJoseError(error: unknown): string {
  if (error instanceof errors.JWTExpired) return 'the token has expired; get a new one';
  if (error instanceof errors.JWTClaimValidationFailed) return `the token's "${error.claim}" claim is not acceptable (${error.reason})`;
  if (error instanceof errors.JOSEAlgNotAllowed) return 'the token is signed with an algorithm this resource does not accept';
  if (error instanceof errors.JWSSignatureVerificationFailed) return 'the token signature is not valid';
  if (error instanceof errors.JWKSNoMatchingKey) return "no key of the issuer's JWKS matches the token";
  if (error instanceof errors.JWKSTimeout) return "the issuer's JWKS did not answer in time";
  if (error instanceof errors.JOSEError) return `the token is not valid (${error.code})`;
  return 'the token is not a valid JWT';
}
