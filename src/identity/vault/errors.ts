/** Closed set of vault failures; the edge maps them to HTTP statuses in one place (`VAULT_STATUS`). */
export type VaultErrorCode = 'not_found' | 'conflict' | 'invalid' | 'forbidden' | 'consent_required' | 'upstream';

/** A vault failure whose message is safe to show (it never holds a secret or token). */
export class VaultError extends Error {
  constructor(
    readonly code: VaultErrorCode,
    message: string,
    /** For `consent_required`: the URL the user must open to grant access. */
    readonly authorizationUrl?: string,
  ) {
    super(message);
  }
}

/** HTTP status of each vault failure, for the control plane and the workload endpoint. */
export const VAULT_STATUS: Record<VaultErrorCode, number> = {
  not_found: 404,
  conflict: 409,
  invalid: 400,
  forbidden: 403,
  consent_required: 409,
  upstream: 502,
};
