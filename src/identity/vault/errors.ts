import { ToolportError } from '../../errors/index.js';

/** Closed set of vault failures; ERROR_CODES gives each its HTTP status. */
export type VaultErrorCode = 'not_found' | 'conflict' | 'invalid' | 'forbidden' | 'consent_required' | 'upstream';

/** A vault failure whose message is safe to show (it never holds a secret or token). */
export class VaultError extends ToolportError<VaultErrorCode> {
  constructor(
    code: VaultErrorCode,
    message: string,
    /** For `consent_required`: the URL the user must open to grant access. */
    readonly authorizationUrl?: string,
  ) {
    super(code, message);
  }
}
