import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { ClientAuthError, type AuthOptions } from './types.js';

/** What the authorization server sent back to the redirect URI. */
export interface AuthorizationCallback {
  code: string;
  /** RFC 9207 issuer identifier, when the server sends one. */
  iss?: string;
}

/** A one-shot HTTP server on 127.0.0.1 that catches the authorization response. */
export interface Loopback {
  redirectUrl: string;
  waitForCode(timeoutMs?: number): Promise<AuthorizationCallback>;
  close(): Promise<void>;
}

const DONE_PAGE = '<!doctype html><meta charset="utf-8"><title>Toolport</title><p>Signed in. You can close this tab and return to the terminal.</p>';
const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

/**
 * Listens on the redirect URI's loopback port (any free port when it names none or 0) and resolves with the code
 * once a request with the expected `state` arrives (RFC 8252 §7.3). Requests with another state are refused, so a
 * stale tab cannot inject a code.
 */
export async function startLoopback(redirectUri: string | undefined, state: string): Promise<Loopback> {
  const wanted = new URL(redirectUri ?? 'http://127.0.0.1:0/callback');
  if (wanted.protocol !== 'http:' || !LOOPBACK_HOSTS.has(wanted.hostname)) {
    throw new ClientAuthError('missing_option', `--redirect-uri must be a loopback http URL such as http://127.0.0.1:3000/callback, got ${wanted.href}`);
  }
  let settle: { resolve(value: AuthorizationCallback): void; reject(error: Error): void } | undefined;
  const outcome = new Promise<AuthorizationCallback>((resolve, reject) => {
    settle = { resolve, reject };
  });
  outcome.catch(() => undefined);
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (url.pathname !== wanted.pathname) {
      res.writeHead(404).end();
      return;
    }
    const params = url.searchParams;
    if (params.get('state') !== state) {
      res
        .writeHead(400, { 'content-type': 'text/plain' })
        .end('This sign-in response does not belong to the waiting login (state mismatch). Start the login again.');
      return;
    }
    const error = params.get('error');
    if (error) {
      res.writeHead(400, { 'content-type': 'text/plain' }).end(`Sign-in failed: ${error}`);
      settle?.reject(
        new ClientAuthError(
          'login_failed',
          `the authorization server refused the sign-in: ${error}${params.get('error_description') ? ` (${params.get('error_description')})` : ''}`,
        ),
      );
      return;
    }
    const code = params.get('code');
    if (!code) {
      res.writeHead(400, { 'content-type': 'text/plain' }).end('No authorization code in this response.');
      return;
    }
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', connection: 'close' }).end(DONE_PAGE);
    const iss = params.get('iss');
    settle?.resolve({ code, ...(iss ? { iss } : {}) });
  });
  const host = wanted.hostname === '[::1]' ? '::1' : '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        new ClientAuthError(
          'login_failed',
          `cannot listen on ${host}:${wanted.port} for the sign-in redirect (${error.code ?? error.message}) — free the port or pass another --redirect-uri`,
        ),
      ),
    );
    server.listen(Number(wanted.port || 0), host, resolve);
  });
  const port = (server.address() as { port: number }).port;
  const redirectUrl = `http://${wanted.hostname}:${port}${wanted.pathname}`;
  return {
    redirectUrl,
    async waitForCode(timeoutMs = 300_000) {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () =>
            reject(
              new ClientAuthError(
                'login_timeout',
                `no sign-in arrived at ${redirectUrl} within ${Math.round(timeoutMs / 1000)} s — open the printed URL and finish the login`,
              ),
            ),
          timeoutMs,
        );
      });
      try {
        return await Promise.race([outcome, timeout]);
      } finally {
        clearTimeout(timer);
      }
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Shows the authorization URL (always, so it works without a browser) and opens the system browser unless told not to. */
export async function presentAuthorizationUrl(url: URL, options: Pick<AuthOptions, 'openBrowser' | 'onAuthorizationUrl'>): Promise<void> {
  if (options.onAuthorizationUrl) options.onAuthorizationUrl(url);
  else process.stderr.write(`Sign in at this URL (opening your browser if possible):\n  ${url.href}\n`);
  if (options.openBrowser === false) return;
  const [command, args] =
    process.platform === 'darwin' ? ['open', [url.href]] : process.platform === 'win32' ? ['cmd', ['/c', 'start', '""', url.href]] : ['xdg-open', [url.href]];
  // Best effort: a missing opener (a server, a container) leaves the printed URL as the way in.
  const child = spawn(command as string, args as string[], { stdio: 'ignore', detached: true });
  child.on('error', () => undefined);
  child.unref();
}
