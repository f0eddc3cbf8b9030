import { randomUUID } from 'node:crypto';
import { StoreError, type Sql } from '../../store/index.js';
import { generateSecret, hashSecret, verifySecret, type ScryptCost } from './passwords.js';
import { invalid, payloadField, type Origin } from './records.js';
import { SignInThrottle } from './throttle.js';

export interface UserInput {
  username: string;
  password: string;
  email?: string;
}
export interface UserView {
  username: string;
  sub: string;
  email?: string;
  origin: Origin;
  createdAt: string;
}

interface UserRow {
  username: string;
  sub: string;
  email: string | null;
  password_hash: string;
  origin: Origin;
  created_at: string;
}

const USERNAME = /^[A-Za-z0-9][A-Za-z0-9._@+-]{0,127}$/;

/** The authorization server's users (`identity_users`); passwords are scrypt hashes, sign-ins throttled per username. */
export class UserRecords {
  private readonly throttle = new SignInThrottle();
  /** A valid hash of a random secret at this cost, verified against when a username is unknown; made on first use. */
  private dummyHash?: Promise<string>;

  constructor(
    private readonly sql: Sql,
    /** The scrypt cost of new password hashes. */
    private readonly scryptCost: ScryptCost,
  ) {}

  async create(input: UserInput, origin: Origin = 'api'): Promise<UserView> {
    if (!USERNAME.test(input.username)) invalid('username', 'use 1-128 letters, digits or . _ @ + -');
    if (input.password.length < 8) invalid('password', 'use at least 8 characters');
    const row: UserRow = {
      username: input.username,
      sub: randomUUID(),
      email: input.email ?? null,
      password_hash: await hashSecret(input.password, this.scryptCost),
      origin,
      created_at: new Date().toISOString(),
    };
    const inserted = await this.sql.run(
      'INSERT INTO identity_users (username, sub, email, password_hash, origin, created_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (username) DO NOTHING',
      [row.username, row.sub, row.email, row.password_hash, row.origin, row.created_at],
    );
    if (!inserted) throw new StoreError('conflict', `a user named "${input.username}" exists; delete it first or pick another name`);
    return userView(row);
  }

  async list(): Promise<UserView[]> {
    return (await this.sql.all<UserRow>('SELECT * FROM identity_users ORDER BY username')).map(userView);
  }

  async bySub(sub: string): Promise<UserView | undefined> {
    const row = await this.sql.get<UserRow>('SELECT * FROM identity_users WHERE sub = ?', [sub]);
    return row ? userView(row) : undefined;
  }

  async byName(username: string): Promise<UserView | undefined> {
    const row = await this.sql.get<UserRow>('SELECT * FROM identity_users WHERE username = ?', [username]);
    return row ? userView(row) : undefined;
  }

  /**
   * The user when the password matches; undefined for an unknown user or a wrong password (callers cannot tell
   * which). Throws SignInThrottled while the name is locked after repeated failures.
   */
  async authenticate(username: string, password: string): Promise<UserView | undefined> {
    this.throttle.check(username);
    const row = await this.sql.get<UserRow>('SELECT * FROM identity_users WHERE username = ?', [username]);
    // An unknown user still pays for one hash, so timing does not reveal which usernames exist.
    const ok = await verifySecret(password, row?.password_hash ?? (await (this.dummyHash ??= hashSecret(generateSecret(), this.scryptCost))));
    if (!row || !ok) {
      this.throttle.failed(username);
      return undefined;
    }
    this.throttle.succeeded(username);
    return userView(row);
  }

  async delete(username: string): Promise<void> {
    const row = await this.sql.get<UserRow>('SELECT * FROM identity_users WHERE username = ?', [username]);
    if (!row) throw new StoreError('not_found', `no user named "${username}"`);
    // Tokens and sessions of the user go with it, so a deleted user cannot refresh its way back in.
    await this.sql.batch([
      { sql: 'DELETE FROM identity_users WHERE username = ?', params: [username] },
      { sql: "DELETE FROM identity_oidc WHERE payload LIKE ? ESCAPE '\\'", params: [payloadField('accountId', row.sub)] },
    ]);
  }

  /** Creates or updates the declared users (a changed password is re-hashed) and deletes those a config dropped. */
  async applyConfig(declared: UserInput[]): Promise<void> {
    const users = new Map((await this.sql.all<UserRow>('SELECT * FROM identity_users')).map((row) => [row.username, row]));
    for (const user of declared) {
      const existing = users.get(user.username);
      if (!existing) {
        await this.create(user, 'config');
        continue;
      }
      if (existing.origin !== 'config') invalid('identity.users', `"${user.username}" was created through the API; delete it or rename this entry`);
      const samePassword = await verifySecret(user.password, existing.password_hash, false);
      await this.sql.run('UPDATE identity_users SET email = ?, password_hash = ? WHERE username = ?', [
        user.email ?? null,
        samePassword ? existing.password_hash : await hashSecret(user.password, this.scryptCost),
        user.username,
      ]);
    }
    for (const row of users.values()) {
      if (row.origin === 'config' && !declared.some((u) => u.username === row.username)) await this.delete(row.username);
    }
  }
}

function userView(row: UserRow): UserView {
  return { username: row.username, sub: row.sub, ...(row.email ? { email: row.email } : {}), origin: row.origin, createdAt: row.created_at };
}
