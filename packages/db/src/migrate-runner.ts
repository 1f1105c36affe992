// Applies the numbered, forward-only migrations with knex, and holds every migration already applied
// to the checksum of its file: a migration edited after it ran is refused before anything runs
// (docs/migrations.md says why and what to do).
import { fileURLToPath } from 'node:url';
import type { Knex } from 'knex';
import { createDb } from './connection.ts';
import { readMigrations, type MigrationFile } from './migration-files.ts';

/** Our own table beside knex's `knex_migrations`: one row per applied migration, with its file's checksum. */
const CHECKSUMS_TABLE = 'migration_checksums';

const CREATE_CHECKSUMS_TABLE = `
  CREATE TABLE IF NOT EXISTS ${CHECKSUMS_TABLE} (
    name         text PRIMARY KEY,
    sha256       text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    -- true: taken from the file on the first run after checksums were introduced, not when it ran.
    adopted      boolean NOT NULL DEFAULT false,
    recorded_at  timestamptz NOT NULL DEFAULT now()
  )`;

/** An applied migration whose file no longer matches what ran, or is gone. */
export class MigrationChangedError extends Error {
  /** The files refused: full paths of edited ones, bare names of missing ones. */
  readonly files: readonly string[];

  constructor(files: readonly string[], message: string) {
    super(message);
    this.name = 'MigrationChangedError';
    this.files = files;
  }
}

/**
 * A knex source over these migrations. Each one records its file's checksum in the transaction
 * that applies it, so a migration is never applied without its checksum.
 */
export function migrationSource(migrations: readonly MigrationFile[]): Knex.MigrationSource<MigrationFile> {
  return {
    getMigrations: async () => [...migrations],
    getMigrationName: (migration) => migration.name,
    getMigration: async (migration) => {
      const code = await migration.load();
      return {
        up: async (trx: Knex) => {
          await code.up(trx);
          await trx.raw(CREATE_CHECKSUMS_TABLE);
          await trx.raw(
            `INSERT INTO ${CHECKSUMS_TABLE} (name, sha256) VALUES (?, ?)
             ON CONFLICT (name) DO UPDATE SET sha256 = excluded.sha256, adopted = false, recorded_at = now()`,
            [migration.name, migration.checksum],
          );
        },
        down: async () => {
          throw new Error('migrations are forward-only');
        },
      };
    },
  };
}

export interface MigrateOptions {
  /** A folder of `NNNN_name.ts` migrations; by default this package's own. */
  folder?: URL;
}

export interface MigrateResult {
  /** Migrations applied by this run, in order. */
  applied: string[];
  /**
   * Migrations applied before checksums were kept, whose checksum this run took from their file
   * as it is now (a database migrated by older code, on its first run after the upgrade).
   */
  adopted: string[];
}

/**
 * Refuses, naming the files, when a migration already applied differs from its file or its file is
 * gone; then applies every pending migration.
 */
export async function migrateLatest(url: string, options: MigrateOptions = {}): Promise<MigrateResult> {
  const migrations = await readMigrations(options.folder);
  const db = createDb({ url, poolMax: 1, applicationName: 'billing-migrate' });
  try {
    const adopted = await verifyApplied(db, migrations);
    const [, applied] = (await db.migrate.latest({ migrationSource: migrationSource(migrations) })) as [number, string[]];
    return { applied, adopted };
  } finally {
    await db.destroy();
  }
}

/** Checks every applied migration against its file; adopts the checksums of those applied before checksums were kept. */
async function verifyApplied(db: Knex, migrations: readonly MigrationFile[]): Promise<string[]> {
  const { rows: [knexTable] } = await db.raw<{ rows: Array<{ exists: boolean }> }>(
    `SELECT to_regclass('knex_migrations') IS NOT NULL AS exists`);
  if (!knexTable?.exists) return [];
  await db.raw(CREATE_CHECKSUMS_TABLE);
  const applied = (await db('knex_migrations').orderBy('id').pluck('name')) as string[];
  const recorded = new Map((await db(CHECKSUMS_TABLE).select('name', 'sha256') as Array<{ name: string; sha256: string }>)
    .map(({ name, sha256 }) => [name, sha256]));
  const files = new Map(migrations.map((migration) => [migration.name, migration]));

  const problems: Array<{ file: string; problem: string }> = [];
  const unrecorded: MigrationFile[] = [];
  for (const name of applied) {
    const migration = files.get(name);
    const checksum = recorded.get(name);
    if (!migration) {
      problems.push({ file: `${name}.ts`, problem: 'was applied to this database but its file is missing' });
    } else if (checksum === undefined) {
      unrecorded.push(migration);
    } else if (checksum !== migration.checksum) {
      problems.push({
        file: fileURLToPath(migration.file),
        problem: `was applied with checksum ${checksum} but the file now has ${migration.checksum}`,
      });
    }
  }
  if (problems.length > 0) {
    throw new MigrationChangedError(problems.map(({ file }) => file), [
      'refusing to migrate: migrations already applied to this database differ from their files:',
      ...problems.map(({ file, problem }) => `  ${file} ${problem}`),
      'An applied migration is never edited: restore the file as it was applied and put the change in a new migration (docs/migrations.md).',
    ].join('\n'));
  }
  if (unrecorded.length > 0) {
    await db(CHECKSUMS_TABLE)
      .insert(unrecorded.map(({ name, checksum }) => ({ name, sha256: checksum, adopted: true })))
      .onConflict('name').ignore();
  }
  return unrecorded.map(({ name }) => name);
}
