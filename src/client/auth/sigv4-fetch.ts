import type { FetchLike } from '@modelcontextprotocol/client';
import { defaultProvider } from '@aws-sdk/credential-provider-node';
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import { agentCoreRegion } from '../target.js';
import { AuthError, type AuthOptions } from './types.js';

/** AgentCore's SigV4 service name, for runtimes and gateways alike. */
export const AGENTCORE_SERVICE = 'bedrock-agentcore';

/**
 * Fetch that signs every request with AWS Signature V4 (credentials from the standard provider chain: env, shared
 * config/SSO, web identity, container and instance roles), service `bedrock-agentcore`, region from the target's
 * host or `--region`. Signing is the innermost step, after every header is final.
 */
export async function signingFetch(next: FetchLike, url: URL, options: AuthOptions): Promise<FetchLike> {
  const region = agentCoreRegion(url) ?? options.region ?? process.env.AWS_REGION;
  if (!region) throw new AuthError('missing_option', `--auth sigv4 needs --region: ${url.host} does not name an AWS region`);
  const signer = new SignatureV4({ service: AGENTCORE_SERVICE, region, credentials: defaultProvider(), sha256: Sha256 });
  return async (input, init) => {
    const target = new URL(String(input));
    const headers: Record<string, string> = { host: target.host };
    new Headers(init?.headers).forEach((value, name) => {
      headers[name] = value;
    });
    let signed;
    try {
      signed = await signer.sign({
        method: (init?.method ?? 'GET').toUpperCase(),
        protocol: target.protocol,
        hostname: target.hostname,
        ...(target.port ? { port: Number(target.port) } : {}),
        path: target.pathname,
        query: Object.fromEntries(target.searchParams),
        headers,
        ...(typeof init?.body === 'string' ? { body: init.body } : {}),
      });
    } catch (error) {
      throw new AuthError('missing_option', `no AWS credentials for SigV4 (${(error as Error).message}) — set AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, or run \`aws sso login\``);
    }
    const { host: _host, ...signedHeaders } = signed.headers;
    return next(input, { ...init, headers: signedHeaders });
  };
}
