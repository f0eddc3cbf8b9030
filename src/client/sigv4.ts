import { randomUUID } from 'node:crypto';
import { Sha256 } from '@aws-crypto/sha256-js';
import { defaultProvider } from '@aws-sdk/credential-provider-node';
import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';
import { signableUrl } from '../http/index.js';

/** How to sign: region, service and credentials (explicit, or AWS's default provider chain). */
export interface SigV4SigningOptions {
  region: string;
  /** AgentCore's service name by default, for runtimes and gateways alike. */
  service?: string;
  /** Explicit keys or a provider; default: env, shared config/SSO, web identity, container and instance roles. */
  credentials?: AwsCredentialIdentity | AwsCredentialIdentityProvider;
  /** The signing time (default now). */
  signingDate?: Date;
  /** Sign the body hash as `X-Amz-Content-Sha256` (default true), so a verifier can tell an altered body apart. */
  signBody?: boolean;
  /**
   * Add a signed `amz-sdk-invocation-id` (a UUID, as AWS SDKs do; default true): two otherwise identical requests in
   * the same second then carry different signatures, so a verifier that refuses replays accepts both.
   */
  invocationId?: boolean;
}

/** Builds the signer once per options (the signing key is cached inside it per day and region). */
function signerFor(options: SigV4SigningOptions): SignatureV4 {
  return new SignatureV4({
    service: options.service ?? 'bedrock-agentcore',
    region: options.region,
    credentials: options.credentials ?? defaultProvider(),
    sha256: Sha256,
    applyChecksum: options.signBody ?? true,
  });
}

async function sign(signer: SignatureV4, options: SigV4SigningOptions, input: Request | URL | string, init?: RequestInit): Promise<Request> {
  const request = new Request(input, init);
  const url = new URL(request.url);
  const body = request.method === 'GET' || request.method === 'HEAD' ? undefined : new Uint8Array(await request.arrayBuffer());
  const headers: Record<string, string> = { host: url.host };
  request.headers.forEach((value, name) => {
    headers[name] = value;
  });
  if (options.invocationId ?? true) headers['amz-sdk-invocation-id'] = randomUUID();
  const signed = await signer.sign(
    {
      method: request.method,
      ...signableUrl(url),
      headers,
      ...(body?.length ? { body } : {}),
    },
    options.signingDate ? { signingDate: options.signingDate } : {},
  );
  // fetch sets Host from the URL; every other signed header goes on the wire exactly as signed.
  const { host: _host, ...wire } = signed.headers;
  return new Request(url, { method: request.method, headers: wire, signal: request.signal, ...(body?.length ? { body } : {}), redirect: request.redirect });
}

/** Signs one request (a `Request`, or a URL plus fetch init) with AWS Signature V4; resolves to the signed `Request`. */
export function signRequest(input: Request | URL | string, init: RequestInit | undefined, options: SigV4SigningOptions): Promise<Request> {
  return sign(signerFor(options), options, input, init);
}

/** A fetch that signs every request just before it is sent (for the MCP SDK's transports or plain calls). */
export function sigv4Fetch(options: Omit<SigV4SigningOptions, 'signingDate'>, next: typeof fetch = fetch): typeof fetch {
  const signer = signerFor(options);
  return async (input, init) => next(await sign(signer, options, input instanceof Request || input instanceof URL ? input : String(input), init));
}
