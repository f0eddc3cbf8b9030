// The seeds' Cognito "quick mode" unchanged: AWS's own Cognito SDK pointed at /identity/cognito (USER_PASSWORD_AUTH,
// REFRESH_TOKEN_AUTH, SECRET_HASH), and the access token it returns opening a JWT-protected runtime.
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { CognitoIdentityProviderClient, InitiateAuthCommand, type InitiateAuthCommandInput } from '@aws-sdk/client-cognito-identity-provider';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { GREET_COMMAND, testPlatform } from '../helpers/platform.js';
import { claimsOf, identityApi, listToolsWith } from './server-helpers.js';
import { closeAll } from '../helpers/teardown.js';

type TestPlatform = Awaited<ReturnType<typeof testPlatform>>;

const secretHash = (secret: string, username: string, clientId: string): string =>
  createHmac('sha256', secret)
    .update(username + clientId)
    .digest('base64');

describe('Cognito InitiateAuth with the AWS SDK', () => {
  let platform: TestPlatform;
  let cognito: CognitoIdentityProviderClient;
  let secret: string;
  before(async () => {
    platform = await testPlatform();
    await identityApi(platform, 'POST', '/users', { username: 'testuser', password: 'MyPassword123!', email: 'test@example.com' });
    await identityApi(platform, 'POST', '/clients', { clientId: 'quick', grants: ['password', 'refresh_token'] });
    secret = (await identityApi(platform, 'POST', '/clients', { clientId: 'quick-secret', grants: ['password'], secret: true })).body.secret as string;
    await identityApi(platform, 'POST', '/clients', {
      clientId: 'browser-only',
      grants: ['authorization_code'],
      redirectUris: ['http://127.0.0.1:3000/callback'],
    });
    await platform.control.createRuntime('guarded', {
      command: GREET_COMMAND,
      sessions: { warmPool: 0 },
      auth: { jwt: { discoveryUrl: `${platform.url}/identity/.well-known/openid-configuration`, allowedClients: ['quick'] } },
    });
    // Dummy AWS credentials: Cognito's InitiateAuth is unsigned, the SDK just needs something to hold.
    cognito = new CognitoIdentityProviderClient({
      region: 'us-east-1',
      endpoint: `${platform.url}/identity/cognito`,
      credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'unused' },
    });
  });
  after(() =>
    closeAll(
      () => cognito?.destroy(),
      () => platform?.stop(),
    ),
  );

  const initiate = (input: InitiateAuthCommandInput) => cognito.send(new InitiateAuthCommand(input));
  /** The Cognito error type the SDK raised. */
  const failure = async (input: InitiateAuthCommandInput): Promise<{ name: string; message: string }> => {
    try {
      await initiate(input);
    } catch (error) {
      return { name: (error as Error).name, message: (error as Error).message };
    }
    throw new Error('InitiateAuth succeeded but was expected to fail');
  };

  test('USER_PASSWORD_AUTH returns Cognito-shaped JWTs, signed with the JWKS keys, that open the runtime', async () => {
    const { AuthenticationResult: result } = await initiate({
      ClientId: 'quick',
      AuthFlow: 'USER_PASSWORD_AUTH',
      AuthParameters: { USERNAME: 'testuser', PASSWORD: 'MyPassword123!' },
    });
    assert.ok(result?.AccessToken && result.IdToken && result.RefreshToken);
    assert.equal(result.TokenType, 'Bearer');
    assert.equal(result.ExpiresIn, 3600);
    const issuer = `${platform.url}/identity`;
    const jwks = createRemoteJWKSet(new URL(`${issuer}/jwks`));
    const { payload: access } = await jwtVerify(result.AccessToken, jwks, { issuer });
    assert.equal(access.token_use, 'access');
    assert.equal(access.client_id, 'quick');
    assert.equal(access.username, 'testuser');
    assert.equal(access.scope, 'aws.cognito.signin.user.admin');
    const { payload: id } = await jwtVerify(result.IdToken, jwks, { issuer, audience: 'quick' });
    assert.equal(id['cognito:username'], 'testuser');
    assert.equal(id.email, 'test@example.com');
    assert.equal(id.sub, access.sub);
    assert.ok((await listToolsWith(platform, 'guarded', result.AccessToken)).includes('greet_user'));
  });

  test('REFRESH_TOKEN_AUTH gives new tokens for the same user, and refuses an unknown refresh token', async () => {
    const first = await initiate({ ClientId: 'quick', AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: 'testuser', PASSWORD: 'MyPassword123!' } });
    const refreshed = await initiate({
      ClientId: 'quick',
      AuthFlow: 'REFRESH_TOKEN_AUTH',
      AuthParameters: { REFRESH_TOKEN: first.AuthenticationResult?.RefreshToken as string },
    });
    const access = refreshed.AuthenticationResult?.AccessToken as string;
    assert.equal(claimsOf(access).sub, claimsOf(first.AuthenticationResult?.AccessToken as string).sub);
    assert.notEqual(claimsOf(access).jti, claimsOf(first.AuthenticationResult?.AccessToken as string).jti);
    assert.equal(refreshed.AuthenticationResult?.RefreshToken, undefined, 'Cognito does not rotate refresh tokens');
    const bad = await failure({ ClientId: 'quick', AuthFlow: 'REFRESH_TOKEN_AUTH', AuthParameters: { REFRESH_TOKEN: 'not-a-token' } });
    assert.deepEqual(bad, { name: 'NotAuthorizedException', message: 'Invalid Refresh Token' });
  });

  test('a client with a secret needs a correct SECRET_HASH, for sign-in and refresh', async () => {
    const params = { USERNAME: 'testuser', PASSWORD: 'MyPassword123!' };
    const missing = await failure({ ClientId: 'quick-secret', AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: params });
    assert.equal(missing.name, 'NotAuthorizedException');
    assert.match(missing.message, /SECRET_HASH was not received/);
    const wrong = await failure({
      ClientId: 'quick-secret',
      AuthFlow: 'USER_PASSWORD_AUTH',
      AuthParameters: { ...params, SECRET_HASH: secretHash('wrong', 'testuser', 'quick-secret') },
    });
    assert.deepEqual(wrong, { name: 'NotAuthorizedException', message: 'Unable to verify secret hash for client quick-secret' });
    const ok = await initiate({
      ClientId: 'quick-secret',
      AuthFlow: 'USER_PASSWORD_AUTH',
      AuthParameters: { ...params, SECRET_HASH: secretHash(secret, 'testuser', 'quick-secret') },
    });
    assert.equal(claimsOf(ok.AuthenticationResult?.AccessToken as string).client_id, 'quick-secret');
    const refreshed = await initiate({
      ClientId: 'quick-secret',
      AuthFlow: 'REFRESH_TOKEN_AUTH',
      AuthParameters: { REFRESH_TOKEN: ok.AuthenticationResult?.RefreshToken as string, SECRET_HASH: secretHash(secret, 'testuser', 'quick-secret') },
    });
    assert.ok(refreshed.AuthenticationResult?.AccessToken);
  });

  test("Cognito's errors: wrong password and unknown user alike, missing parameters, flows and clients", async () => {
    const wrongPassword = await failure({ ClientId: 'quick', AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: 'testuser', PASSWORD: 'nope-nope' } });
    const unknownUser = await failure({ ClientId: 'quick', AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: 'ghost', PASSWORD: 'nope-nope' } });
    assert.deepEqual(wrongPassword, { name: 'NotAuthorizedException', message: 'Incorrect username or password.' });
    assert.deepEqual(unknownUser, wrongPassword, 'an unknown user is indistinguishable from a wrong password');
    assert.deepEqual(await failure({ ClientId: 'quick', AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: 'testuser' } }), {
      name: 'InvalidParameterException',
      message: 'Missing required parameter PASSWORD',
    });
    assert.equal((await failure({ ClientId: 'quick', AuthFlow: 'USER_SRP_AUTH', AuthParameters: { USERNAME: 'testuser' } })).name, 'InvalidParameterException');
    assert.deepEqual(
      await failure({ ClientId: 'browser-only', AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: 'testuser', PASSWORD: 'MyPassword123!' } }),
      {
        name: 'InvalidParameterException',
        message: 'USER_PASSWORD_AUTH flow not enabled for this client',
      },
    );
    assert.equal(
      (await failure({ ClientId: 'nobody', AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: 'testuser', PASSWORD: 'x' } })).name,
      'ResourceNotFoundException',
    );
  });

  test('repeated wrong passwords lock the name for a while, even for the right password', async () => {
    await identityApi(platform, 'POST', '/users', { username: 'guessed', password: 'guessed-password' });
    const attempt = (password: string) =>
      failure({ ClientId: 'quick', AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: 'guessed', PASSWORD: password } });
    for (let i = 0; i < 6; i++) assert.equal((await attempt(`wrong-${i}`)).message, 'Incorrect username or password.');
    assert.deepEqual(await attempt('guessed-password'), { name: 'NotAuthorizedException', message: 'Password attempts exceeded' });
  });

  test('deleting a user ends its refresh tokens', async () => {
    await identityApi(platform, 'POST', '/users', { username: 'leaver', password: 'leaver-password' });
    const signedIn = await initiate({ ClientId: 'quick', AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: 'leaver', PASSWORD: 'leaver-password' } });
    assert.equal((await identityApi(platform, 'DELETE', '/users/leaver')).status, 204);
    const refresh = await failure({
      ClientId: 'quick',
      AuthFlow: 'REFRESH_TOKEN_AUTH',
      AuthParameters: { REFRESH_TOKEN: signedIn.AuthenticationResult?.RefreshToken as string },
    });
    assert.deepEqual(refresh, { name: 'NotAuthorizedException', message: 'Invalid Refresh Token' });
  });
});
