import { createHash, timingSafeEqual } from 'node:crypto';
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import type { HttpRequest } from '@smithy/types';
import { signableUrl } from '../http/index.js';
import type { AccessKeyLookup } from './access-keys.js';
import { AuthError } from './errors.js';
import type { InboundAuthorizer, InboundRequest } from './authorizer.js';
import type { Principal } from './jwt-authorizer.js';

/** A runtime's or gateway's `auth: { sigv4: {...} }`. */
export interface SigV4AuthorizerConfig {
  /** Accept only signatures scoped to this region; any region when absent. */
  region?: string;
}

/** Injectable clock and bounds, so tests control them. */
export interface SigV4Options {
  /** The service in the credential scope; AgentCore's by default, so AWS clients sign for Toolport unchanged. */
  service?: string;
  now?: () => Date;
  /** Accepted distance between X-Amz-Date and this server's clock (AWS uses 5 minutes). */
  maxSkewMs?: number;
  /** Most signatures remembered for replay refusal; beyond it the oldest are forgotten early. */
  replayCacheSize?: number;
}

/** The principal issuer of SigV4-authenticated callers (their subject is the access key's owner). */
export const SIGV4_ISSUER = 'toolport:sigv4';
const AUTHORIZATION =
  /^AWS4-HMAC-SHA256 +Credential=([^/\s,]+)\/(\d{8})\/([^/\s,]+)\/([^/\s,]+)\/aws4_request, *SignedHeaders=([a-z0-9;_.-]+), *Signature=([0-9a-f]{64})$/;
const AMZ_DATE = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;
const invalid = (message: string): AuthError => new AuthError('invalid_token', message);

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(',') : value;
}

/**
 * Verifies AWS Signature V4 requests (header form) with AWS's own signer: recomputes the signature over the method,
 * URL, the headers named in SignedHeaders and the body hash with the secret of the access key in the credential
 * scope, compares in constant time, bounds clock skew, and refuses a signature it has already accepted.
 */
export class SigV4Authorizer implements InboundAuthorizer {
  readonly scopes: readonly string[] = [];
  private readonly service: string;
  private readonly now: () => Date;
  private readonly maxSkewMs: number;
  private readonly replayCacheSize: number;
  /** Accepted signatures → when they stop being acceptable anyway (signing time + skew). */
  private readonly seen = new Map<string, number>();

  constructor(
    private readonly config: SigV4AuthorizerConfig,
    private readonly keys: AccessKeyLookup,
    options: SigV4Options = {},
  ) {
    this.service = options.service ?? 'bedrock-agentcore';
    this.now = options.now ?? (() => new Date());
    this.maxSkewMs = options.maxSkewMs ?? 5 * 60_000;
    this.replayCacheSize = options.replayCacheSize ?? 100_000;
  }

  async issuer(): Promise<undefined> {
    return undefined;
  }

  async authenticate(request: InboundRequest): Promise<Principal> {
    const authorization = headerValue(request.headers.authorization);
    if (!authorization)
      throw new AuthError('missing_token', `this resource requires AWS Signature V4 (Authorization: AWS4-HMAC-SHA256 ...) for service ${this.service}`);
    const match = AUTHORIZATION.exec(authorization.trim());
    if (!match)
      throw invalid(
        'the Authorization header is not an AWS4-HMAC-SHA256 signature (Credential=KEY/DATE/REGION/SERVICE/aws4_request, SignedHeaders=..., Signature=...)',
      );
    const [, accessKeyId = '', scopeDate, region = '', service, signedHeaderList = '', signature = ''] = match;
    if (service !== this.service) throw invalid(`the signature is scoped to service "${service}"; sign for service "${this.service}"`);
    if (this.config.region && region !== this.config.region)
      throw invalid(`the signature is scoped to region "${region}"; this resource accepts "${this.config.region}"`);
    const signedAt = this.signingDate(request, scopeDate);
    const signedHeaders = signedHeaderList.split(';');
    for (const required of ['host', 'x-amz-date']) {
      if (!signedHeaders.includes(required)) throw invalid(`the "${required}" header must be signed`);
    }
    if (request.headers['x-amz-security-token'] !== undefined) {
      throw invalid('session tokens (temporary AWS credentials) are not accepted; sign with an access key from: toolport identity access-key create');
    }
    const key = await this.keys.secretOf(accessKeyId);
    if (!key) throw invalid(`the access key ${accessKeyId} is not known here; create one with: toolport identity access-key create --owner NAME`);

    const body = await request.body();
    const headers: Record<string, string> = {};
    for (const name of signedHeaders) {
      const value = headerValue(request.headers[name]);
      if (value === undefined) throw invalid(`the signed header "${name}" is missing from the request`);
      headers[name] = value;
    }
    const claimedHash = headers['x-amz-content-sha256'];
    if (claimedHash !== undefined && claimedHash !== createHash('sha256').update(body).digest('hex')) {
      throw invalid('the body does not match its signed X-Amz-Content-Sha256 hash; it was altered after signing, or the payload was not signed');
    }
    const expected = await this.expectedSignature(
      request,
      headers,
      body,
      { accessKeyId, secretAccessKey: key.secretAccessKey },
      signedAt,
      region,
      signedHeaderList,
    );
    if (!timingSafeEqual(Buffer.from(expected), Buffer.from(signature))) {
      throw invalid('the signature does not match: check the secret access key, and that the method, URL, signed headers and body are sent exactly as signed');
    }
    this.remember(signature, signedAt.getTime());
    return { subject: key.owner, clientId: accessKeyId, scopes: [], issuer: SIGV4_ISSUER, claims: { accessKeyId, region, service } };
  }

  /** X-Amz-Date, which must agree with the credential scope and lie within the skew bound of this server's clock. */
  private signingDate(request: InboundRequest, scopeDate: string | undefined): Date {
    const amzDate = headerValue(request.headers['x-amz-date']) ?? '';
    const parts = AMZ_DATE.exec(amzDate);
    if (!parts) throw invalid('the X-Amz-Date header is missing or malformed (expected YYYYMMDDTHHMMSSZ)');
    if (amzDate.slice(0, 8) !== scopeDate) throw invalid('the credential scope date does not match X-Amz-Date');
    const [, y, mo, d, h, mi, s] = parts.map(Number) as [number, number, number, number, number, number, number];
    const signedAt = new Date(Date.UTC(y, mo - 1, d, h, mi, s));
    const now = this.now();
    if (Math.abs(now.getTime() - signedAt.getTime()) > this.maxSkewMs) {
      throw invalid(
        `the request was signed at ${signedAt.toISOString()}, more than ${this.maxSkewMs / 60_000} minutes from this server's time (${now.toISOString()}); sign each request just before sending it, and check the clock`,
      );
    }
    return signedAt;
  }

  private async expectedSignature(
    request: InboundRequest,
    headers: Record<string, string>,
    body: Buffer,
    credentials: { accessKeyId: string; secretAccessKey: string },
    signedAt: Date,
    region: string,
    signedHeaderList: string,
  ): Promise<string> {
    const signer = new SignatureV4({ service: this.service, region, credentials, sha256: Sha256, applyChecksum: false });
    const { url } = request;
    const toSign: HttpRequest = {
      method: request.method,
      ...signableUrl(url),
      headers,
      body: body.length ? body : undefined,
    };
    const signed = await signer.sign(toSign, { signingDate: signedAt, signableHeaders: new Set(Object.keys(headers)) });
    const recomputed = /SignedHeaders=([^,]+), Signature=([0-9a-f]{64})$/.exec(String(signed.headers.authorization ?? ''));
    // The recomputation must cover exactly the headers the client signed; anything else is a mismatch.
    return recomputed?.[1] === signedHeaderList ? (recomputed[2] ?? '') : '0'.repeat(64);
  }

  /** Remembers an accepted signature until it would be refused as stale anyway. */
  private remember(signature: string, signedAt: number): void {
    const now = this.now().getTime();
    for (const [old, expires] of this.seen) {
      if (expires > now && this.seen.size < this.replayCacheSize) break;
      this.seen.delete(old);
    }
    if (this.seen.has(signature)) throw invalid('this signature was already used; sign every request anew (replayed requests are refused)');
    this.seen.set(signature, signedAt + this.maxSkewMs);
  }
}
