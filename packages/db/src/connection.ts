import knex, { type Knex } from 'knex';

export type Db = Knex;
export type DbTransaction = Knex.Transaction;

export interface DbOptions {
  /** postgres://user:password@host:port/database */
  url: string;
  poolMax?: number;
  /** Shown in pg_stat_activity, so a connection's owner is visible to an operator. */
  applicationName?: string;
}

/** One knex pool per process; repositories receive it (or a transaction) from their caller. */
export function createDb({ url, poolMax = 10, applicationName = 'billing' }: DbOptions): Db {
  return knex({
    client: 'pg',
    connection: { connectionString: url, application_name: applicationName },
    pool: { min: 0, max: poolMax },
    acquireConnectionTimeout: 10_000,
  });
}
