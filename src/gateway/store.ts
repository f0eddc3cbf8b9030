// The gateway's own tables (migration 0004_gateways), through the store's portable SQL surface.
import type { GatewaySpec, TargetSpec } from '../config/index.js';
import { StoreError, type Sql } from '../store/index.js';
import type { TargetCatalog } from './targets/types.js';

/** A gateway's own settings as stored; its targets live in their own rows. */
export type GatewaySettings = Omit<GatewaySpec, 'targets'>;

export interface GatewayRow {
  name: string;
  spec: GatewaySettings;
  createdAt: string;
  updatedAt: string;
}

export interface TargetRow {
  gateway: string;
  name: string;
  spec: TargetSpec;
  /** Relative paths in the spec resolve against this. */
  baseDir: string;
  createdAt: string;
  updatedAt: string;
}

/** A target's last synced catalog and how the last sync went. */
export interface CatalogRow {
  target: string;
  catalog: TargetCatalog;
  /** When the catalog was last fetched successfully; undefined before the first success. */
  syncedAt?: string;
  /** The last sync failed: the catalog is the previous one. */
  stale: boolean;
  lastError?: string;
  /** Tools left out of the gateway's list, each with why (name too long, collision). */
  problems: string[];
}

/** One audited tool call. */
export interface CallRecord {
  requestId: string;
  at: string;
  gateway: string;
  subject?: string;
  client?: string;
  tool: string;
  target?: string;
  /** `ok`, `tool_error` (the tool answered isError) or the gateway's error code. */
  status: string;
  latencyMs: number;
  error?: string;
  arguments?: Record<string, unknown>;
}

interface RawCatalog {
  target: string;
  catalog: string;
  synced_at: string | null;
  stale: number;
  last_error: string | null;
  problems: string;
}

interface RawCall {
  request_id: string;
  at: string;
  gateway: string;
  subject: string | null;
  client: string | null;
  tool: string;
  target: string | null;
  status: string;
  latency_ms: number;
  error: string | null;
  arguments: string | null;
}

const now = (): string => new Date().toISOString();

/** Reads and writes gateways, targets, catalogs and the call log. */
export class GatewayStore {
  constructor(private readonly sql: Sql) {}

  async createGateway(name: string, spec: GatewaySettings): Promise<GatewayRow> {
    const at = now();
    const inserted = await this.sql.run('INSERT INTO gateways (name, spec, created_at, updated_at) VALUES (?, ?, ?, ?) ON CONFLICT (name) DO NOTHING', [
      name,
      JSON.stringify(spec),
      at,
      at,
    ]);
    if (!inserted) throw new StoreError('conflict', `gateway "${name}" already exists; change it with PUT or delete it first`);
    return { name, spec, createdAt: at, updatedAt: at };
  }

  async updateGateway(name: string, spec: GatewaySettings): Promise<GatewayRow> {
    const at = now();
    const changed = await this.sql.run('UPDATE gateways SET spec = ?, updated_at = ? WHERE name = ?', [JSON.stringify(spec), at, name]);
    if (!changed) throw notFound(name);
    return (await this.getGateway(name)) as GatewayRow;
  }

  async getGateway(name: string): Promise<GatewayRow | undefined> {
    const row = await this.sql.get<{ name: string; spec: string; created_at: string; updated_at: string }>('SELECT * FROM gateways WHERE name = ?', [name]);
    return row && { name: row.name, spec: JSON.parse(row.spec) as GatewaySettings, createdAt: row.created_at, updatedAt: row.updated_at };
  }

  async listGateways(): Promise<GatewayRow[]> {
    const rows = await this.sql.all<{ name: string; spec: string; created_at: string; updated_at: string }>('SELECT * FROM gateways ORDER BY name');
    return rows.map((row) => ({ name: row.name, spec: JSON.parse(row.spec) as GatewaySettings, createdAt: row.created_at, updatedAt: row.updated_at }));
  }

  /** Deletes a gateway with its targets and catalogs (the call log stays). */
  async deleteGateway(name: string): Promise<void> {
    if (!(await this.sql.run('DELETE FROM gateways WHERE name = ?', [name]))) throw notFound(name);
  }

  /** Creates or replaces a target; resolves to whether it existed. */
  async putTarget(gateway: string, spec: TargetSpec, baseDir: string): Promise<boolean> {
    const at = now();
    const existed = await this.sql.get('SELECT name FROM gateway_targets WHERE gateway = ? AND name = ?', [gateway, spec.name]);
    await this.sql.run(
      `INSERT INTO gateway_targets (gateway, name, spec, base_dir, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (gateway, name) DO UPDATE SET spec = excluded.spec, base_dir = excluded.base_dir, updated_at = excluded.updated_at`,
      [gateway, spec.name, JSON.stringify(spec), baseDir, at, at],
    );
    return existed !== undefined;
  }

  async listTargets(gateway: string): Promise<TargetRow[]> {
    const rows = await this.sql.all<{ gateway: string; name: string; spec: string; base_dir: string; created_at: string; updated_at: string }>(
      'SELECT * FROM gateway_targets WHERE gateway = ? ORDER BY name',
      [gateway],
    );
    return rows.map((row) => ({
      gateway: row.gateway,
      name: row.name,
      spec: JSON.parse(row.spec) as TargetSpec,
      baseDir: row.base_dir,
      createdAt: row.created_at,
      updatedAt: row.updated_at,
    }));
  }

  async deleteTarget(gateway: string, name: string): Promise<void> {
    if (!(await this.sql.run('DELETE FROM gateway_targets WHERE gateway = ? AND name = ?', [gateway, name]))) {
      throw new StoreError('not_found', `gateway "${gateway}" has no target "${name}"; list them with: toolport target list ${gateway}`);
    }
  }

  async putCatalog(gateway: string, row: CatalogRow): Promise<void> {
    await this.sql.run(
      `INSERT INTO gateway_catalogs (gateway, target, catalog, synced_at, stale, last_error, problems) VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (gateway, target) DO UPDATE SET catalog = excluded.catalog, synced_at = excluded.synced_at, stale = excluded.stale,
         last_error = excluded.last_error, problems = excluded.problems`,
      [gateway, row.target, JSON.stringify(row.catalog), row.syncedAt, row.stale, row.lastError, JSON.stringify(row.problems)],
    );
  }

  async listCatalogs(gateway: string): Promise<CatalogRow[]> {
    const rows = await this.sql.all<RawCatalog>('SELECT * FROM gateway_catalogs WHERE gateway = ? ORDER BY target', [gateway]);
    return rows.map((row) => ({
      target: row.target,
      catalog: JSON.parse(row.catalog) as TargetCatalog,
      ...(row.synced_at ? { syncedAt: row.synced_at } : {}),
      stale: Boolean(row.stale),
      ...(row.last_error ? { lastError: row.last_error } : {}),
      problems: JSON.parse(row.problems) as string[],
    }));
  }

  /** Stores audit records in one transaction (the call path queues them and writes a batch per event-loop turn). */
  async recordCalls(calls: readonly CallRecord[]): Promise<void> {
    await this.sql.batch(
      calls.map((call) => ({
        sql: `INSERT INTO gateway_calls (request_id, at, gateway, subject, client, tool, target, status, latency_ms, error, arguments)
              VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        params: [
          call.requestId,
          call.at,
          call.gateway,
          call.subject,
          call.client,
          call.tool,
          call.target,
          call.status,
          call.latencyMs,
          call.error,
          call.arguments === undefined ? undefined : JSON.stringify(call.arguments),
        ],
      })),
    );
  }

  /** The newest `limit` calls of a gateway, newest first. */
  async listCalls(gateway: string, limit: number): Promise<CallRecord[]> {
    const rows = await this.sql.all<RawCall>('SELECT * FROM gateway_calls WHERE gateway = ? ORDER BY at DESC, request_id LIMIT ?', [gateway, limit]);
    return rows.map((row) => ({
      requestId: row.request_id,
      at: row.at,
      gateway: row.gateway,
      ...(row.subject ? { subject: row.subject } : {}),
      ...(row.client ? { client: row.client } : {}),
      tool: row.tool,
      ...(row.target ? { target: row.target } : {}),
      status: row.status,
      latencyMs: Number(row.latency_ms),
      ...(row.error ? { error: row.error } : {}),
      ...(row.arguments ? { arguments: JSON.parse(row.arguments) as Record<string, unknown> } : {}),
    }));
  }
}

function notFound(name: string): StoreError {
  return new StoreError('not_found', `no gateway named "${name}"; list them with: toolport gateway list`);
}
