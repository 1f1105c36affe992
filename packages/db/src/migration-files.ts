// The migrations as files: their names, in order, and the checksum of each file's text, which is
// what the runner holds an applied migration to (docs/migrations.md).
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import type { Knex } from 'knex';

export interface Migration {
  up(db: Knex): Promise<void>;
  down?(db: Knex): Promise<void>;
}

export interface MigrationFile {
  /** `0001_bills`: the name knex records, the file's name without `.ts`. */
  readonly name: string;
  /** Where the checksum was taken: the TypeScript source. */
  readonly file: URL;
  /** sha256 (hex) of the file's text with CRLF read as LF, so a Windows checkout agrees with Linux. */
  readonly checksum: string;
  load(): Promise<Migration>;
}

/** Numbered migration sources; anything else in the folder (the checksum list) is not a migration. */
const MIGRATION_FILE = /^(\d{4}_[a-z0-9_]+)\.ts$/;

/**
 * The migrations' TypeScript sources, from source and from the compiled package alike (the package
 * ships `src/`): checksums are always taken of what was written and reviewed, never of compiler
 * output, which changes with the TypeScript version.
 */
export const MIGRATIONS_FOLDER = new URL('../src/migrations/', import.meta.url);

/**
 * Compiled, the runner runs the JavaScript tsc wrote beside it (`dist/migrations/`); from source,
 * the TypeScript file itself.
 */
const runsCompiled = import.meta.url.endsWith('.js');
function bundledModule(name: string): URL {
  return runsCompiled ? new URL(`./migrations/${name}.js`, import.meta.url) : new URL(`${name}.ts`, MIGRATIONS_FOLDER);
}

export function migrationChecksum(text: string): string {
  return createHash('sha256').update(text.replaceAll('\r\n', '\n'), 'utf8').digest('hex');
}

/**
 * The migrations in a folder of `NNNN_name.ts` files, in name order. `moduleOf` says where each
 * one's code is loaded from; by default the file itself.
 */
export async function readMigrations(
  folder: URL = MIGRATIONS_FOLDER,
  moduleOf: (name: string) => URL = folder === MIGRATIONS_FOLDER ? bundledModule : (name) => new URL(`${name}.ts`, folder),
): Promise<MigrationFile[]> {
  const names = (await readdir(folder)).flatMap((entry) => MIGRATION_FILE.exec(entry)?.[1] ?? []).sort();
  return Promise.all(names.map(async (name) => {
    const file = new URL(`${name}.ts`, folder);
    return {
      name,
      file,
      checksum: migrationChecksum(await readFile(file, 'utf8')),
      load: async () => (await import(moduleOf(name).href)) as Migration,
    };
  }));
}
