import { createHash, createHmac, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { importJWK, SignJWT, type JWK } from 'jose';
import { z } from 'zod';
import { BodyTooLargeError, readBody } from '../../http/index.js';
import type { Logger } from '../../log/index.js';
import type { Sql } from '../../store/index.js';
import { SqlAdapter } from './adapter.js';
import type { Directory } from './directory.js';
import type { UserView } from './users.js';
import { SignInThrottled } from './throttle.js';
import type { TokenLifetimes } from './provider.js';

const TARGET_PREFIX = 'AWSCognitoIdentityProviderService.';
const MAX_BODY = 64 * 1024;
/** The scope Cognito puts in access tokens from InitiateAuth. */
const COGNITO_SCOPE = 'aws.cognito.signin.user.admin';

const initiateAuthSchema = z.object({
  AuthFlow: z.string(),
  ClientId: z.string().min(1),
  AuthParameters: z.record(z.string(), z.string()).default({}),
});

/**
 * A Cognito error as its JSON protocol carries it: `__type` and `message`, HTTP 400. Not a ToolportError: AWS SDK
 * clients read `__type`, so this endpoint speaks AWS's error vocabulary, not Toolport's codes.
 */
class CognitoError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

/** What the Cognito endpoint needs from the authorization server: its issuer, current signing key and lifetimes. */
export interface CognitoSettings {
  issuer: () => string;
  signingKey: () => JWK;
  lifetimes: TokenLifetimes;
}

interface RefreshRecord {
  accountId: string;
  clientId: string;
  authTime: number;
  originJti: string;
}

/**
 * Cognito's `InitiateAuth` over its own wire protocol (AWS JSON 1.1), so the seeds' "quick mode" works unchanged
 * with AWS's SDKs pointed here: USER_PASSWORD_AUTH and REFRESH_TOKEN_AUTH, SECRET_HASH when the client has a secret,
 * Cognito's error types. Tokens are JWTs signed with the authorization server's current key (so one JWKS verifies
 * both); refresh tokens are random, stored only as SHA-256 digests, and as in Cognito are not rotated.
 */
export class CognitoEndpoint {
  private readonly refreshTokens: SqlAdapter;

  constructor(
    sql: Sql,
    private readonly directory: Directory,
    private readonly settings: CognitoSettings,
    private readonly log: Logger,
  ) {
    this.refreshTokens = new SqlAdapter(sql, 'CognitoRefreshToken');
  }

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const requestId = randomUUID();
    try {
      if (req.method !== 'POST') throw new CognitoError('UnknownOperationException', 'send POST with X-Amz-Target', 404);
      const target = String(req.headers['x-amz-target'] ?? '');
      if (target !== `${TARGET_PREFIX}InitiateAuth`) {
        throw new CognitoError('UnknownOperationException', `${target || 'a missing X-Amz-Target'} is not supported here; only InitiateAuth is`);
      }
      let body: z.output<typeof initiateAuthSchema>;
      try {
        body = initiateAuthSchema.parse(JSON.parse((await readBody(req, MAX_BODY)).toString('utf8')));
      } catch (error) {
        if (error instanceof BodyTooLargeError) throw new CognitoError('InvalidParameterException', 'the request body is too large');
        throw new CognitoError('InvalidParameterException', 'the body must be JSON with AuthFlow, ClientId and AuthParameters');
      }
      const result = await this.initiateAuth(body);
      res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': requestId, 'cache-control': 'no-store' });
      res.end(JSON.stringify({ AuthenticationResult: result, ChallengeParameters: {} }));
    } catch (error) {
      if (!(error instanceof CognitoError)) throw error;
      this.log.info('cognito InitiateAuth refused', { requestId, type: error.type, reason: error.message });
      res.writeHead(error.status, { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': requestId, 'x-amzn-errortype': error.type });
      res.end(JSON.stringify({ __type: error.type, message: error.message }));
    }
  }

  private async initiateAuth(body: z.output<typeof initiateAuthSchema>): Promise<Record<string, unknown>> {
    const { AuthFlow: flow, ClientId: clientId, AuthParameters: params } = body;
    if (flow !== 'USER_PASSWORD_AUTH' && flow !== 'REFRESH_TOKEN_AUTH' && flow !== 'REFRESH_TOKEN') {
      throw new CognitoError('InvalidParameterException', `${flow} is not supported; use USER_PASSWORD_AUTH or REFRESH_TOKEN_AUTH`);
    }
    const client = await this.directory.clients.metadata(clientId);
    if (!client) throw new CognitoError('ResourceNotFoundException', `User pool client ${clientId} does not exist.`);
    if (client.toolport_password_auth !== true) throw new CognitoError('InvalidParameterException', `${flow} flow not enabled for this client`);
    const secret = await this.directory.clients.cognitoSecret(clientId);

    if (flow === 'USER_PASSWORD_AUTH') {
      const username = required(params, 'USERNAME');
      const password = required(params, 'PASSWORD');
      if (secret !== undefined) checkSecretHash(secret, clientId, params.SECRET_HASH, [username]);
      // Cognito answers an unknown user like a wrong password unless "prevent user existence errors" is off.
      const user = await this.directory.users.authenticate(username, password).catch((error: unknown) => {
        if (error instanceof SignInThrottled) throw new CognitoError('NotAuthorizedException', 'Password attempts exceeded');
        throw error;
      });
      if (!user) throw new CognitoError('NotAuthorizedException', 'Incorrect username or password.');
      const authTime = Math.floor(Date.now() / 1000);
      const originJti = randomUUID();
      const refreshToken = randomBytes(48).toString('base64url');
      const record: RefreshRecord = { accountId: user.sub, clientId, authTime, originJti };
      await this.refreshTokens.upsert(digest(refreshToken), { ...record }, this.settings.lifetimes.refreshToken);
      return { ...(await this.tokens(user, clientId, authTime, originJti)), RefreshToken: refreshToken };
    }

    const refreshToken = required(params, 'REFRESH_TOKEN');
    const record = (await this.refreshTokens.find(digest(refreshToken))) as RefreshRecord | undefined;
    if (!record || record.clientId !== clientId) throw new CognitoError('NotAuthorizedException', 'Invalid Refresh Token');
    const user = await this.directory.users.bySub(record.accountId);
    if (!user) throw new CognitoError('NotAuthorizedException', 'Invalid Refresh Token');
    // For refresh, Cognito keys SECRET_HASH with the user's name or sub.
    if (secret !== undefined) checkSecretHash(secret, clientId, params.SECRET_HASH, [user.username, user.sub]);
    return this.tokens(user, clientId, record.authTime, record.originJti);
  }

  private async tokens(user: UserView, clientId: string, authTime: number, originJti: string): Promise<Record<string, unknown>> {
    const jwk = this.settings.signingKey();
    const key = await importJWK(jwk, 'RS256');
    const { accessToken, idToken } = this.settings.lifetimes;
    const common = { origin_jti: originJti, event_id: randomUUID(), auth_time: authTime };
    const sign = (claims: Record<string, unknown>, lifetime: number): Promise<string> =>
      new SignJWT(claims)
        .setProtectedHeader({ alg: 'RS256', kid: jwk.kid as string })
        .setIssuer(this.settings.issuer())
        .setSubject(user.sub)
        .setIssuedAt()
        .setExpirationTime(`${lifetime}s`)
        .setJti(randomUUID())
        .sign(key);
    return {
      AccessToken: await sign({ ...common, token_use: 'access', scope: COGNITO_SCOPE, client_id: clientId, username: user.username }, accessToken),
      IdToken: await sign(
        { ...common, token_use: 'id', aud: clientId, 'cognito:username': user.username, ...(user.email ? { email: user.email } : {}) },
        idToken,
      ),
      ExpiresIn: accessToken,
      TokenType: 'Bearer',
    };
  }
}

function required(params: Record<string, string>, name: string): string {
  const value = params[name];
  if (!value) throw new CognitoError('InvalidParameterException', `Missing required parameter ${name}`);
  return value;
}

/** SECRET_HASH = Base64(HMAC-SHA256(clientSecret, username + clientId)), Cognito's proof that the caller knows the secret. */
function checkSecretHash(secret: string, clientId: string, given: string | undefined, usernames: string[]): void {
  if (!given) throw new CognitoError('NotAuthorizedException', `Client ${clientId} is configured with secret but SECRET_HASH was not received`);
  const presented = Buffer.from(given);
  const matches = usernames.some((username) => {
    const expected = Buffer.from(
      createHmac('sha256', secret)
        .update(username + clientId)
        .digest('base64'),
    );
    return expected.length === presented.length && timingSafeEqual(expected, presented);
  });
  if (!matches) throw new CognitoError('NotAuthorizedException', `Unable to verify secret hash for client ${clientId}`);
}

const digest = (token: string): string => createHash('sha256').update(token).digest('base64url');
