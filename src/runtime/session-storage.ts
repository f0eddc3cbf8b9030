// AgentCore's session storage: with `sessions.storage.persist`, a session's HOME is a folder under
// DATA_DIR/sessions/{runtime}/{session id}/home that outlives its worker, is mounted again for the same owner, and is
// deleted after `expireAfter` or on request. The owner is kept beside the HOME, never inside it, where the session could
// change it.
import { createHmac } from 'node:crypto';
import { lstat, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { RuntimeSpec } from '../config/index.js';
import type { Logger } from '../log/index.js';
import { RuntimeError } from './errors.js';

/** A runtime's `sessions.storage` with `persist` on. */
export type StorageSpec = NonNullable<RuntimeSpec['sessions']['storage']>;

const HOME_FOLDER = 'home';
const RECORD_FILE = 'session.json';

/** What is written beside a stored HOME. */
interface StoredRecord {
  /** HMAC of the owner key (issuer, subject, client) under the platform's session key; null for an open runtime. */
  owner: string | null;
  /** When its session last ended (or began, while a worker holds it). */
  lastUsed: string;
  expireAfterMs: number;
  bytes: number;
}

/** A session whose HOME is kept while no worker holds it (the control plane's listing). */
export interface StoredSessionInfo {
  id: string;
  runtime: string;
  state: 'stored';
  storageBytes: number;
  lastUsed: string;
  expiresAt: string;
}

/** A HOME a worker holds: settles `detached` once it is kept or discarded. */
interface Attachment {
  detaching: boolean;
  /** Delete instead of keeping, once the worker lets go (DELETE, a deleted runtime). */
  discard: boolean;
  bytes: number;
  detached: Promise<void>;
  settle: () => void;
}

/** Bytes a folder takes on disk (blocks, as `du`), links not followed. */
export async function diskUsage(path: string): Promise<number> {
  const stats = await lstat(path).catch(() => undefined);
  if (!stats) return 0;
  let bytes = stats.blocks * 512;
  if (stats.isDirectory()) {
    const entries = await readdir(path).catch(() => [] as string[]);
    for (const entry of entries) bytes += await diskUsage(join(path, entry));
  }
  return bytes;
}

function sessionKeyOf(runtime: string, id: string): string {
  return `${runtime}/${id}`;
}

/** The stored HOMEs of every runtime: attach, keep, measure, expire, delete. */
export class SessionStorage {
  private readonly records = new Map<string, StoredRecord>();
  private readonly attached = new Map<string, Attachment>();
  private readonly loaded: Promise<void>;

  constructor(
    /** DATA_DIR/sessions. */
    private readonly root: string,
    /** Keys the owner digests, so the records name no principal. */
    private readonly ownerKey: Buffer,
    private readonly log: Logger,
  ) {
    this.loaded = this.load().catch((error: Error) => this.log.error('cannot read stored sessions', { error: error.message }));
  }

  /**
   * The HOME of a session for its owner: the stored one, or a new empty one. Another owner's stored HOME is refused
   * as if the session did not exist, as a live session of another owner is.
   */
  async attach(runtime: string, id: string, owner: string | undefined, spec: StorageSpec): Promise<string> {
    await this.loaded;
    const key = sessionKeyOf(runtime, id);
    for (let held = this.attached.get(key); held; held = this.attached.get(key)) {
      if (!held.detaching) throw new RuntimeError('bad_request', `session ${id} is in use`);
      await held.detached;
    }
    const digest = this.digest(owner);
    const stored = this.records.get(key);
    if (stored && stored.owner !== digest) {
      throw new RuntimeError('session_not_found', `session ${id} does not exist or has ended; send a new request without a session id`);
    }
    let settle = (): void => undefined;
    const detached = new Promise<void>((resolve) => (settle = resolve));
    this.attached.set(key, { detaching: false, discard: false, bytes: stored?.bytes ?? 0, detached, settle });
    const folder = join(this.root, runtime, id);
    try {
      await mkdir(join(folder, HOME_FOLDER), { recursive: true, mode: 0o700 });
      await this.write(key, { owner: digest, lastUsed: new Date().toISOString(), expireAfterMs: spec.expireAfter, bytes: stored?.bytes ?? 0 });
    } catch (error) {
      this.attached.delete(key);
      settle();
      throw error;
    }
    return join(folder, HOME_FOLDER);
  }

  /** Once `released` (its worker gone), keeps the HOME, or deletes it when past `maxMb` or when asked to. */
  async detach(runtime: string, id: string, spec: StorageSpec, released: Promise<void>): Promise<void> {
    const key = sessionKeyOf(runtime, id);
    const held = this.attached.get(key);
    if (!held || held.detaching) return;
    held.detaching = true;
    try {
      await released.catch(() => undefined);
      const bytes = await diskUsage(this.homeOf(key));
      const limit = spec.maxMb * 1024 * 1024;
      if (bytes > limit) this.log.warn('session storage past sessions.storage.maxMb; not kept', { runtime, session: id, bytes, limit });
      if (held.discard || bytes > limit) await this.delete(key);
      else await this.write(key, { ...(this.records.get(key) as StoredRecord), lastUsed: new Date().toISOString(), expireAfterMs: spec.expireAfter, bytes });
    } catch (error) {
      this.log.error('cannot keep session storage', { runtime, session: id, error: (error as Error).message });
    } finally {
      this.attached.delete(key);
      held.settle();
    }
  }

  /** Measures a held HOME; the size the listing shows. */
  async measure(runtime: string, id: string): Promise<number> {
    const key = sessionKeyOf(runtime, id);
    const bytes = await diskUsage(this.homeOf(key));
    const held = this.attached.get(key);
    if (held) held.bytes = bytes;
    return bytes;
  }

  /** The last measured size of a held HOME. */
  heldBytes(runtime: string, id: string): number | undefined {
    return this.attached.get(sessionKeyOf(runtime, id))?.bytes;
  }

  /** Deletes a session's stored HOME (once its worker, if any, has let go); false when there is none. */
  async remove(runtime: string, id: string): Promise<boolean> {
    await this.loaded;
    const key = sessionKeyOf(runtime, id);
    const held = this.attached.get(key);
    if (held) {
      held.discard = true;
      await held.detached;
      return true;
    }
    if (!this.records.has(key)) return false;
    await this.delete(key);
    return true;
  }

  /** Deletes every stored HOME of a runtime (it was deleted). */
  async removeRuntime(runtime: string): Promise<void> {
    await this.loaded;
    const keys = [...new Set([...this.records.keys(), ...this.attached.keys()])].filter((key) => key.startsWith(`${runtime}/`));
    await Promise.all(keys.map((key) => this.remove(runtime, key.slice(runtime.length + 1))));
    await rm(join(this.root, runtime), { recursive: true, force: true });
  }

  /** Deletes the stored HOMEs no worker holds whose `expireAfter` has passed since their session ended. */
  async expire(now = Date.now()): Promise<void> {
    await this.loaded;
    await this.deleteExpired(now);
  }

  private async deleteExpired(now: number): Promise<void> {
    for (const [key, record] of this.records) {
      if (this.attached.has(key) || Date.parse(record.lastUsed) + record.expireAfterMs > now) continue;
      this.log.info('stored session expired', { session: key });
      // Held while it goes, so an attach in the meantime waits and then starts empty.
      let settle = (): void => undefined;
      const detached = new Promise<void>((resolve) => (settle = resolve));
      this.attached.set(key, { detaching: true, discard: true, bytes: record.bytes, detached, settle });
      await this.delete(key).finally(() => {
        this.attached.delete(key);
        settle();
      });
    }
  }

  /** The HOMEs of a runtime no worker holds. */
  async list(runtime: string): Promise<StoredSessionInfo[]> {
    await this.loaded;
    return [...this.records]
      .filter(([key]) => key.startsWith(`${runtime}/`) && !this.attached.has(key))
      .map(([key, record]) => ({
        id: key.slice(runtime.length + 1),
        runtime,
        state: 'stored',
        storageBytes: record.bytes,
        lastUsed: record.lastUsed,
        expiresAt: new Date(Date.parse(record.lastUsed) + record.expireAfterMs).toISOString(),
      }));
  }

  private digest(owner: string | undefined): string | null {
    return owner === undefined ? null : createHmac('sha256', this.ownerKey).update(owner).digest('base64url');
  }

  private homeOf(key: string): string {
    return join(this.root, key, HOME_FOLDER);
  }

  private async write(key: string, record: StoredRecord): Promise<void> {
    await writeFile(join(this.root, key, RECORD_FILE), JSON.stringify(record), { mode: 0o600 });
    this.records.set(key, record);
  }

  private async delete(key: string): Promise<void> {
    this.records.delete(key);
    await rm(join(this.root, key), { recursive: true, force: true });
  }

  /** Reads what a previous run kept; a folder without a readable record (a crash while it was made) is deleted. */
  private async load(): Promise<void> {
    await mkdir(this.root, { recursive: true, mode: 0o700 });
    for (const runtime of await readdir(this.root)) {
      for (const id of await readdir(join(this.root, runtime)).catch(() => [] as string[])) {
        const key = sessionKeyOf(runtime, id);
        const record = await readFile(join(this.root, key, RECORD_FILE), 'utf8')
          .then((text) => JSON.parse(text) as StoredRecord)
          .catch(() => undefined);
        if (record && typeof record.lastUsed === 'string' && typeof record.expireAfterMs === 'number') this.records.set(key, record);
        else await rm(join(this.root, key), { recursive: true, force: true });
      }
    }
    await this.deleteExpired(Date.now());
  }
}
