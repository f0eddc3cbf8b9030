import { ConfigError } from '../../config/index.js';

/** Where a record came from: `toolport.yaml` (reconciled at start), the control plane, or dynamic registration. */
export type Origin = 'config' | 'api' | 'registration';

/** Throws the ConfigError of one bad field, as the control plane and `toolport.yaml` both report it. */
export function invalid(path: string, message: string): never {
  throw new ConfigError(`${path}: ${message}`, [{ path, message }]);
}

/** A LIKE pattern matching `"field":"value"` inside a stored oidc-provider payload, with LIKE's wildcards escaped. */
export const payloadField = (field: string, value: string): string =>
  `%${JSON.stringify({ [field]: value })
    .slice(1, -1)
    .replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
