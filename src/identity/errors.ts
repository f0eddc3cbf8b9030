import { ToolportError } from '../errors/index.js';

/** Closed set of inbound-auth failures; ERROR_CODES maps them to 401, 403 or 503. */
export type AuthErrorCode = 'missing_token' | 'invalid_token' | 'insufficient_scope' | 'issuer_unavailable' | 'misconfigured';

/** An authentication or authorization failure with a message safe to show the caller (never the token). */
export class AuthError extends ToolportError<AuthErrorCode> {
  constructor(
    code: AuthErrorCode,
    message: string,
    /** For `insufficient_scope`: the scopes that would be accepted. */
    readonly scopes: string[] = [],
  ) {
    super(code, message);
  }
}
