import type { Command } from 'commander';
import { decodeJwt } from 'jose/jwt/decode';
import { TokenCache, createCredentials, resolveTarget } from '../client/index.js';
import { printJson } from './output.js';
import { UsageError, authFlags, authFromFlags, type AuthFlags } from './common.js';

/** The credentials a verb's flags describe, for a target. */
async function credentialsFor(target: string, flags: AuthFlags) {
  const auth = await authFromFlags(flags);
  if (auth.mode === 'none' || auth.mode === 'sigv4') throw new UsageError(`--auth ${auth.mode} uses no access token: pick oauth, mcp, m2m, password or bearer`);
  const url = resolveTarget(target, { ...(flags.server ? { server: flags.server } : {}), ...(flags.qualifier ? { qualifier: flags.qualifier } : {}) });
  return { auth, credentials: createCredentials(auth, url) as NonNullable<ReturnType<typeof createCredentials>> };
}

/** When a token expires: from the issuer's answer, else its JWT `exp`. */
function expiryOf(accessToken: string, expiresAt?: number): string | null {
  if (expiresAt !== undefined) return new Date(expiresAt).toISOString();
  try {
    const exp = decodeJwt(accessToken).exp;
    return exp === undefined ? null : new Date(exp * 1000).toISOString();
  } catch {
    return null;
  }
}

/** `toolport token|login|logout TARGET [auth flags]`. */
export function registerAuthCommands(program: Command): void {
  authFlags(program.command('token <target>').description('print an access token for the chosen auth mode (from the cache, renewed when due)'))
    .option('--json', 'print one JSON document')
    .action(async (target: string, flags: AuthFlags & { json?: boolean }) => {
      const { credentials } = await credentialsFor(target, flags);
      const accessToken = (await credentials.token()) as string;
      if (flags.json) return printJson({ accessToken, expiresAt: expiryOf(accessToken), issuer: credentials.issuer ?? null });
      process.stdout.write(`${accessToken}\n`);
    });

  authFlags(program.command('login <target>').description('sign in now (browser, client credentials or password) and cache the token'))
    .option('--json', 'print one JSON document')
    .action(async (target: string, flags: AuthFlags & { json?: boolean }) => {
      const { auth, credentials } = await credentialsFor(target, flags);
      const tokens = await credentials.login();
      const summary = {
        issuer: tokens.issuer ?? credentials.issuer ?? null,
        mode: auth.mode,
        expiresAt: expiryOf(tokens.accessToken, tokens.expiresAt),
        scope: tokens.scope ?? null,
      };
      if (flags.json) return printJson(summary);
      process.stdout.write(
        `signed in to ${summary.issuer ?? target} (${auth.mode}); token cached${summary.expiresAt ? `, expires ${summary.expiresAt}` : ''}\n`,
      );
    });

  authFlags(program.command('logout <target>').description('forget the cached token for these auth flags (--all: every cached token)'))
    .option('--all', 'remove every cached token')
    .option('--json', 'print one JSON document')
    .action(async (target: string, flags: AuthFlags & { all?: boolean; json?: boolean }) => {
      const removed = flags.all ? await new TokenCache().clear() : Number(await (await credentialsFor(target, flags)).credentials.forget());
      if (flags.json) return printJson({ removed });
      process.stdout.write(removed ? `signed out (${removed} cached token${removed === 1 ? '' : 's'} removed)\n` : 'no cached token for these flags\n');
    });
}
