import type { Sql } from '../../store/index.js';
import { ClientRecords, type DeclaredClient } from './clients.js';
import { DEFAULT_SCRYPT_COST, type ScryptCost } from './passwords.js';
import { ResourceServerRecords, type ResourceServerInput } from './resource-servers.js';
import { UserRecords, type UserInput } from './users.js';

/** The `identity:` section with `env:NAME` values already resolved. */
export interface IdentityDeclarations {
  users: UserInput[];
  resourceServers: ResourceServerInput[];
  clients: DeclaredClient[];
}

/** Users, clients and resource servers of the authorization server, in the store. */
export class Directory {
  readonly users: UserRecords;
  readonly resourceServers: ResourceServerRecords;
  readonly clients: ClientRecords;

  constructor(
    sql: Sql,
    masterKey: Buffer,
    /** The scrypt cost of new password hashes; the default outside tests. */
    scryptCost: ScryptCost = DEFAULT_SCRYPT_COST,
  ) {
    this.users = new UserRecords(sql, scryptCost);
    this.resourceServers = new ResourceServerRecords(sql);
    this.clients = new ClientRecords(sql, masterKey, this.resourceServers);
  }

  /**
   * Makes the store match the `identity:` section: declared entries are created or updated, and entries an earlier
   * config declared but this one drops are deleted. Entries made through the API or registration are left alone.
   * Resource servers go first, since the clients' scopes must name theirs.
   */
  async applyConfig(config: IdentityDeclarations): Promise<void> {
    await this.resourceServers.applyConfig(config.resourceServers);
    await this.clients.applyConfig(config.clients);
    await this.users.applyConfig(config.users);
  }
}
