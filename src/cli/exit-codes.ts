// How `toolport` exits, the same with or without --json: the codes of MCP Inspector's CLI and gh, so a script can
// tell a typo from a refused token, a server that is down, and a tool that ran and failed.
import { InvalidArgumentError } from 'commander';

export const EXIT_CODES = {
  ok: 0,
  /** Anything else that failed: a refused request, a bad config, a failed bench iteration. */
  error: 1,
  /** The command line itself: an unknown verb or flag, a value of the wrong shape. */
  usage: 2,
  /** No credentials, or credentials the server or issuer refused. */
  authentication: 3,
  /** Nothing answered at the address (connection refused, no such host). */
  unreachable: 4,
  /** The tool ran and answered with `isError`. */
  toolError: 5,
} as const;

export type ExitReason = keyof typeof EXIT_CODES;

/** The lines `--help` ends with. */
export const EXIT_CODES_HELP = `Exit codes: ${Object.entries(EXIT_CODES)
  .map(([reason, code]) => `${code} ${reason.replace(/[A-Z]/g, (letter) => ` ${letter.toLowerCase()}`)}`)
  .join(', ')}.`;

/** A failure whose message says what happened and what to do, with its exit reason; anything else also prints its stack. */
export interface ExplainedFailure {
  reason: ExitReason;
  message: string;
}

/** A client feature the call needed and the command line did not offer (`--elicit`, `--root`) is a usage error. */
const CONNECTION_FAILURES = { unauthorized: 'authentication', unreachable: 'unreachable', missing_feature: 'usage', failed: 'error' } as const;

/** What a thrown error means for the exit code, or undefined for an error nobody explained (a bug: print its stack). */
export async function explainFailure(error: unknown): Promise<ExplainedFailure | undefined> {
  if (error instanceof InvalidArgumentError) return { reason: 'usage', message: error.message };
  // Loaded only once something failed, so that a verb that succeeds never pays for the client or the config schema.
  const [{ ConfigError }, { ApiError }, { ClientAuthError, ConnectionError }, { ModelError }, { UsageError }] = await Promise.all([
    import('../config/index.js'),
    import('./api-client.js'),
    import('../client/index.js'),
    import('../agent/model.js'),
    import('./common.js'),
  ]);
  const reason = ((): ExitReason | undefined => {
    if (error instanceof UsageError) return 'usage';
    if (error instanceof ClientAuthError) return 'authentication';
    if (error instanceof ConnectionError) return CONNECTION_FAILURES[error.reason];
    if (error instanceof ApiError) return error.status === 0 ? 'unreachable' : error.status === 401 || error.status === 403 ? 'authentication' : 'error';
    if (error instanceof ConfigError || error instanceof ModelError) return 'error';
    return undefined;
  })();
  return reason && { reason, message: (error as Error).message };
}
