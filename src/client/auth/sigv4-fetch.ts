import type { FetchLike } from '@modelcontextprotocol/client';
import { agentCoreRegion } from '../target.js';
import { ClientAuthError, type AuthOptions } from './types.js';

/**
 * `sigv4`: every request signed with AWS Signature V4 (credentials from the standard provider chain: env, shared
 * config/SSO, web identity, container and instance roles), service `bedrock-agentcore`, region from the target's host,
 * else `--region`, else `AWS_REGION`. Signing is the innermost step, after every header is final.
 */
export function signingFetch(next: FetchLike, url: URL, options: AuthOptions): FetchLike {
  const region = agentCoreRegion(url) ?? options.region ?? process.env.AWS_REGION;
  if (!region) throw new ClientAuthError('missing_option', `--auth sigv4 needs --region: ${url.host} does not name an AWS region`);
  // Errors of the request itself pass through; anything else failed while signing (most often: no credentials).
  const networkErrors = new WeakSet<object>();
  const base: typeof fetch = async (input, init) => {
    // The signer hands over a Request; the base fetch (undici with its own dispatcher) gets plain parts.
    const request = new Request(input, init);
    const body = request.method === 'GET' || request.method === 'HEAD' ? undefined : await request.text();
    return next(request.url, { method: request.method, headers: request.headers, signal: request.signal, ...(body ? { body } : {}) }).catch(
      (error: unknown) => {
        if (typeof error === 'object' && error !== null) networkErrors.add(error);
        throw error;
      },
    );
  };
  // The AWS signer and credential chain load on first use: other auth modes never pay for them.
  let signed: Promise<FetchLike> | undefined;
  return async (input, init) => {
    try {
      signed ??= import('../sigv4.js').then(({ sigv4Fetch }) => sigv4Fetch({ region }, base));
      return await (
        await signed
      )(input, init);
    } catch (error) {
      if (typeof error === 'object' && error !== null && networkErrors.has(error)) throw error;
      throw new ClientAuthError(
        'missing_option',
        `cannot sign for AWS (${(error as Error).message}) — set AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, or run \`aws sso login\``,
      );
    }
  };
}
