import type { RuntimeSpec } from '../config/index.js';
import { runtimeArn, type RuntimeRecord, type RuntimeVersion } from './types.js';

/** A `runtimes` row joined with its latest version's spec (what RUNTIME_SELECT returns). */
export interface RuntimeRow {
  name: string;
  created_at: string;
  updated_at: string;
  latest_version: number;
  spec: string;
}
/** A `runtime_versions` row. */
export interface VersionRow {
  runtime: string;
  version: number;
  spec: string;
  created_at: string;
}
/** A `runtime_endpoints` row. */
export interface EndpointRow {
  runtime: string;
  endpoint: string;
  version: number;
}

/** Selects runtimes with their latest spec; callers append WHERE / ORDER BY. */
export const RUNTIME_SELECT = `
SELECT r.name, r.created_at, r.updated_at, r.latest_version, v.spec
FROM runtimes r JOIN runtime_versions v ON v.runtime = r.name AND v.version = r.latest_version`;

/** Builds a RuntimeRecord from a runtime row and its named endpoints (DEFAULT always follows the latest version). */
export function toRecord(row: RuntimeRow, endpoints: EndpointRow[]): RuntimeRecord {
  const named = Object.fromEntries(endpoints.map((e) => [e.endpoint, e.version]));
  return {
    name: row.name,
    arn: runtimeArn(row.name),
    latestVersion: row.latest_version,
    spec: JSON.parse(row.spec) as RuntimeSpec,
    endpoints: { DEFAULT: row.latest_version, ...named },
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** Builds a RuntimeVersion from a runtime_versions row. */
export function toVersion(row: VersionRow): RuntimeVersion {
  return { runtime: row.runtime, version: row.version, spec: JSON.parse(row.spec) as RuntimeSpec, createdAt: row.created_at };
}
