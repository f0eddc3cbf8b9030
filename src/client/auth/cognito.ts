import { createHmac } from 'node:crypto';
import type { InitiateAuthCommandInput, InitiateAuthCommandOutput } from '@aws-sdk/client-cognito-identity-provider';
import { ClientAuthError, required, type AuthOptions } from './types.js';
import type { TokenSet } from './token-cache.js';

const COGNITO_DISCOVERY = /^https:\/\/cognito-idp\.([a-z0-9-]+)\.amazonaws\.com\/([^/]+)\//;

/** Cognito's SECRET_HASH: Base64(HMAC-SHA256(client secret, username + client id)). */
export function secretHash(username: string, clientId: string, clientSecret: string): string {
  return createHmac('sha256', clientSecret)
    .update(username + clientId)
    .digest('base64');
}

/** Region and issuer of a Cognito user pool, from its discovery URL, `--region` or the `--cognito-endpoint`. */
export function cognitoPool(options: AuthOptions): { region: string; issuer: string } {
  const fromUrl = options.discoveryUrl ? COGNITO_DISCOVERY.exec(options.discoveryUrl) : null;
  const region = options.region ?? fromUrl?.[1] ?? (options.cognitoEndpoint ? 'us-east-1' : undefined);
  if (!region) {
    throw new ClientAuthError(
      'missing_option',
      '--auth password needs --discovery-url https://cognito-idp.{region}.amazonaws.com/{poolId}/.well-known/openid-configuration, or --region, or --cognito-endpoint',
    );
  }
  const issuer = fromUrl
    ? `https://cognito-idp.${fromUrl[1]}.amazonaws.com/${fromUrl[2]}`
    : (options.discoveryUrl?.replace(/\/\.well-known\/openid-configuration$/, '') ?? options.cognitoEndpoint ?? `https://cognito-idp.${region}.amazonaws.com`);
  return { region, issuer };
}

/**
 * One InitiateAuth call. AWS's Cognito client is loaded here, on first use: it takes ~0.4 s to import, which every
 * other command and auth mode would otherwise pay at start-up.
 */
async function initiateAuth(options: AuthOptions, region: string, input: InitiateAuthCommandInput): Promise<InitiateAuthCommandOutput> {
  const { CognitoIdentityProviderClient, InitiateAuthCommand } = await import('@aws-sdk/client-cognito-identity-provider');
  // InitiateAuth is unauthenticated (smithy noAuth), so no AWS credentials are looked up or needed.
  const client = new CognitoIdentityProviderClient({ region, ...(options.cognitoEndpoint ? { endpoint: options.cognitoEndpoint } : {}), maxAttempts: 2 });
  return client.send(new InitiateAuthCommand(input));
}

function tokenSet(output: InitiateAuthCommandOutput, issuer: string, clientId: string, now: number, previousRefresh?: string): TokenSet {
  const result = output.AuthenticationResult;
  if (!result?.AccessToken) {
    throw new ClientAuthError(
      'challenge_required',
      output.ChallengeName
        ? `Cognito asks for ${output.ChallengeName} before it issues tokens — finish that step once in the hosted UI (e.g. set a new password), then retry`
        : 'Cognito answered without tokens',
    );
  }
  const refreshToken = result.RefreshToken ?? previousRefresh;
  return {
    accessToken: result.AccessToken,
    tokenType: result.TokenType ?? 'Bearer',
    ...(refreshToken ? { refreshToken } : {}),
    ...(result.ExpiresIn !== undefined ? { expiresAt: now + result.ExpiresIn * 1000 } : {}),
    issuer,
    clientId,
  };
}

function explain(error: unknown, issuer: string): ClientAuthError {
  if (error instanceof ClientAuthError) return error;
  const name = (error as { name?: string }).name ?? 'Error';
  const message = (error as Error).message ?? String(error);
  const fix =
    name === 'NotAuthorizedException'
      ? 'check --username/--password (and --client-secret when the app client has one)'
      : name === 'UserNotFoundException'
        ? 'check --username'
        : 'check --client-id and the pool settings (USER_PASSWORD_AUTH must be enabled for the app client)';
  return new ClientAuthError('token_request_failed', `Cognito sign-in refused by ${issuer} (${name}: ${message}) — ${fix}`);
}

/** `password`: Cognito InitiateAuth with USER_PASSWORD_AUTH, adding SECRET_HASH when the app client has a secret. */
export async function cognitoPasswordSignIn(options: AuthOptions, now: number): Promise<TokenSet> {
  const { region, issuer } = cognitoPool(options);
  const clientId = required(options.clientId, '--client-id', 'password');
  const username = required(options.username, '--username', 'password');
  const params: Record<string, string> = { USERNAME: username, PASSWORD: required(options.password, '--password (or env TOOLPORT_PASSWORD)', 'password') };
  if (options.clientSecret) params.SECRET_HASH = secretHash(username, clientId, options.clientSecret);
  try {
    const output = await initiateAuth(options, region, { AuthFlow: 'USER_PASSWORD_AUTH', ClientId: clientId, AuthParameters: params });
    return tokenSet(output, issuer, clientId, now);
  } catch (error) {
    throw explain(error, issuer);
  }
}

/** Renews a Cognito sign-in with REFRESH_TOKEN_AUTH (Cognito keeps the refresh token; it is not rotated). */
export async function cognitoRefresh(options: AuthOptions, current: TokenSet, now: number): Promise<TokenSet> {
  const { region, issuer } = cognitoPool(options);
  const params: Record<string, string> = { REFRESH_TOKEN: required(current.refreshToken, 'a refresh token', 'password') };
  if (options.clientSecret && options.username) params.SECRET_HASH = secretHash(options.username, current.clientId, options.clientSecret);
  try {
    const output = await initiateAuth(options, region, { AuthFlow: 'REFRESH_TOKEN_AUTH', ClientId: current.clientId, AuthParameters: params });
    return tokenSet(output, issuer, current.clientId, now, current.refreshToken);
  } catch (error) {
    throw explain(error, issuer);
  }
}
