import { createServer, type Server } from 'node:http';
import { exportJWK, generateKeyPair, SignJWT, type JWK, type JWTPayload } from 'jose';

type KeyPair = Awaited<ReturnType<typeof generateKeyPair>>;

/**
 * A real OpenID issuer on 127.0.0.1 (discovery + JWKS over HTTP) that signs tokens with its own RS256 keys,
 * standing in for Cognito / Entra ID / Toolport Identity in tests. Counts JWKS fetches so caching can be checked.
 */
export interface TestIssuer {
  issuer: string;
  discoveryUrl: string;
  jwksFetches: number;
  /** Signs a token with the current key (or `key`); `exp` defaults to one hour from now. */
  mint(claims: JWTPayload, options?: { key?: KeyPair; kid?: string; expiresIn?: string | number }): Promise<string>;
  /** Adds a new signing key and publishes it; returns it with its kid. */
  rotate(): Promise<{ key: KeyPair; kid: string }>;
  close(): Promise<void>;
}

/** Starts a test issuer on a free loopback port. */
export async function startTestIssuer(): Promise<TestIssuer> {
  const keys: { kid: string; key: KeyPair; jwk: JWK }[] = [];
  const addKey = async (): Promise<{ key: KeyPair; kid: string }> => {
    const key = await generateKeyPair('RS256');
    const kid = `key-${keys.length + 1}`;
    keys.push({ kid, key, jwk: { ...(await exportJWK(key.publicKey)), kid, alg: 'RS256', use: 'sig' } });
    return { key, kid };
  };
  await addKey();
  let base = '';
  const state = { jwksFetches: 0 };
  const server: Server = createServer((req, res) => {
    if (req.url === '/.well-known/openid-configuration') {
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ issuer: base, jwks_uri: `${base}/jwks.json`, token_endpoint: `${base}/token` }));
    } else if (req.url === '/jwks.json') {
      state.jwksFetches++;
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: keys.map((k) => k.jwk) }));
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  return {
    issuer: base,
    discoveryUrl: `${base}/.well-known/openid-configuration`,
    get jwksFetches() {
      return state.jwksFetches;
    },
    set jwksFetches(value: number) {
      state.jwksFetches = value;
    },
    async mint(claims, options = {}) {
      const current = keys[keys.length - 1] as (typeof keys)[number];
      const key = options.key ?? current.key;
      const kid = options.kid ?? (options.key ? (keys.find((k) => k.key === options.key)?.kid ?? 'unknown') : current.kid);
      return new SignJWT(claims)
        .setProtectedHeader({ alg: 'RS256', kid, typ: 'at+jwt' })
        .setIssuer((claims.iss as string | undefined) ?? base)
        .setIssuedAt()
        .setExpirationTime(options.expiresIn ?? '1h')
        .sign(key.privateKey);
    },
    rotate: addKey,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
