import type { RuntimeSpec } from '../config/index.js';
import { ToolportError } from '../errors/index.js';
import type { Sql } from './sql.js';

/** One immutable version of a runtime's spec. */
export interface RuntimeVersion {
  runtime: string;
  version: number;
  spec: RuntimeSpec;
  createdAt: string;
}

/** A runtime as the control plane shows it: the latest version plus named endpoints. */
export interface RuntimeRecord {
  name: string;
  arn: string;
  latestVersion: number;
  spec: RuntimeSpec;
  /** Named endpoints and the version each pins; `DEFAULT` always follows `latestVersion`. */
  endpoints: Record<string, number>;
  createdAt: string;
  updatedAt: string;
}

/** Persistence for every part; one implementation per backend, same behaviour (checked by one shared test suite). */
export interface Store {
  readonly kind: 'sqlite' | 'postgres';
  /** Plain SQL for the tables other parts own (their migrations live in migrations.ts). */
  readonly sql: Sql;
  /** Creates the runtime at version 1; throws StoreError `conflict` if the name exists. */
  createRuntime(name: string, spec: RuntimeSpec): Promise<RuntimeRecord>;
  /** Appends a new immutable version and makes it the latest; throws `not_found` if absent. */
  updateRuntime(name: string, spec: RuntimeSpec): Promise<RuntimeRecord>;
  getRuntime(name: string): Promise<RuntimeRecord | undefined>;
  listRuntimes(): Promise<RuntimeRecord[]>;
  /** Deletes the runtime, its versions and endpoints; returns false if it did not exist. */
  deleteRuntime(name: string): Promise<boolean>;
  getRuntimeVersion(name: string, version: number): Promise<RuntimeVersion | undefined>;
  listRuntimeVersions(name: string): Promise<RuntimeVersion[]>;
  /** Points a named endpoint at an existing version (`DEFAULT` is reserved); throws `not_found` for a missing version. */
  setEndpoint(name: string, endpoint: string, version: number): Promise<RuntimeRecord>;
  /** Removes a named endpoint; returns false if it did not exist. */
  deleteEndpoint(name: string, endpoint: string): Promise<boolean>;
  close(): Promise<void>;
}

/** Closed set of store failures; ERROR_CODES gives each its HTTP status. */
export type StoreErrorCode = 'conflict' | 'not_found' | 'invalid' | 'unavailable';

/** A store failure whose message names the record and what to do. */
export class StoreError extends ToolportError<StoreErrorCode> {}

/** The ARN Toolport gives a runtime (DESIGN.md contract); the URL contract owns its shape. */
export { runtimeArn } from '../http/index.js';
