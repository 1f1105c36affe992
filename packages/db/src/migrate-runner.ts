import type { Knex } from 'knex';
import * as m0001 from './migrations/0001_bills.ts';
import * as m0002 from './migrations/0002_exchange_rates.ts';
import * as m0003 from './migrations/0003_currency_codes_as_text.ts';
import * as m0004 from './migrations/0004_mandates.ts';
import * as m0005 from './migrations/0005_ledger.ts';
import * as m0006 from './migrations/0006_ledger_operations.ts';
import * as m0007 from './migrations/0007_api_keys.ts';
import * as m0008 from './migrations/0008_events.ts';
import * as m0009 from './migrations/0009_webhooks.ts';
import { createDb } from './connection.ts';

interface Migration {
  up(db: Knex): Promise<void>;
  down?(db: Knex): Promise<void>;
}

// Migrations are listed here rather than read from a folder, so they work the same from source
// (tests, `npm start`) and from the compiled `dist/` inside a container. Numbered, forward-only.
const migrations: ReadonlyArray<readonly [string, Migration]> = [
  ['0001_bills', m0001],
  ['0002_exchange_rates', m0002],
  ['0003_currency_codes_as_text', m0003],
  ['0004_mandates', m0004],
  ['0005_ledger', m0005],
  ['0006_ledger_operations', m0006],
  ['0007_api_keys', m0007],
  ['0008_events', m0008],
  ['0009_webhooks', m0009],
];

export const migrationSource: Knex.MigrationSource<readonly [string, Migration]> = {
  getMigrations: async () => [...migrations],
  getMigrationName: ([name]) => name,
  getMigration: async ([, migration]) => ({
    up: migration.up,
    down: migration.down ?? (async () => {
      throw new Error('migrations are forward-only');
    }),
  }),
};

/** Applies every pending migration; returns the names applied. */
export async function migrateLatest(url: string): Promise<string[]> {
  const db = createDb({ url, poolMax: 1, applicationName: 'billing-migrate' });
  try {
    const [, applied] = (await db.migrate.latest({ migrationSource })) as [number, string[]];
    return applied;
  } finally {
    await db.destroy();
  }
}
