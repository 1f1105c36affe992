import { randomUUID } from 'node:crypto';
import { appendFile, cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startPostgres, type PostgresHandle } from '@billing/devstack';
import { createDb, MigrationChangedError, migrateLatest, MIGRATIONS_FOLDER, readMigrations } from './index.ts';

let pg: PostgresHandle;
let names: string[];

beforeAll(async () => {
  pg = await startPostgres({ temporary: true });
  names = (await readMigrations()).map(({ name }) => name);
});
afterAll(async () => {
  await pg?.stop();
});

/** A database of its own for each test, on the one embedded server. */
async function freshDatabase(): Promise<string> {
  const name = `migr_${randomUUID().replaceAll('-', '')}`;
  const admin = createDb({ url: pg.url, poolMax: 1 });
  try {
    await admin.raw(`CREATE DATABASE ${name}`);
  } finally {
    await admin.destroy();
  }
  const url = new URL(pg.url);
  url.pathname = `/${name}`;
  return url.toString();
}

/** A copy of the repository's migrations in a temporary folder, to be edited by a test. */
let dir: string;
let folder: URL;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'billing-migrations-'));
  await cp(new URL(MIGRATIONS_FOLDER), dir, { recursive: true });
  folder = pathToFileURL(`${dir}/`);
  return () => rm(dir, { recursive: true, force: true });
});

async function tableExists(url: string, table: string): Promise<boolean> {
  const db = createDb({ url, poolMax: 1 });
  try {
    const { rows } = await db.raw<{ rows: Array<{ exists: boolean }> }>('SELECT to_regclass(?) IS NOT NULL AS exists', [table]);
    return rows[0]?.exists === true;
  } finally {
    await db.destroy();
  }
}

describe('migration checksums', () => {
  it('refuses to migrate, naming the file, once an applied migration is edited, and applies nothing', async () => {
    const url = await freshDatabase();
    expect(await migrateLatest(url, { folder })).toEqual({ applied: names, adopted: [] });

    const edited = join(dir, '0002_exchange_rates.ts');
    await appendFile(edited, '\n// a comment is a change too: the file is no longer what ran\n');
    // A new migration waiting behind the edited one must not run either.
    await writeFile(join(dir, '9999_after_the_edit.ts'),
      "import type { Knex } from 'knex';\nexport async function up(db: Knex): Promise<void> {\n  await db.raw('CREATE TABLE after_the_edit (id int)');\n}\n");

    const refusal = migrateLatest(url, { folder });
    await expect(refusal).rejects.toThrow(MigrationChangedError);
    await expect(refusal).rejects.toThrow(new RegExp(`${edited.replaceAll('.', '\\.')} was applied with checksum [0-9a-f]{64} but the file now has [0-9a-f]{64}`));
    await expect(refusal).rejects.toMatchObject({ files: [edited] });
    expect(await tableExists(url, 'after_the_edit')).toBe(false);
  });

  it('applies pending migrations after checking the applied ones, and records their checksums', async () => {
    const url = await freshDatabase();
    await migrateLatest(url, { folder });
    await writeFile(join(dir, '9999_next.ts'),
      "import type { Knex } from 'knex';\nexport async function up(db: Knex): Promise<void> {\n  await db.raw('CREATE TABLE next_one (id int)');\n}\n");

    expect(await migrateLatest(url, { folder })).toEqual({ applied: ['9999_next'], adopted: [] });
    expect(await migrateLatest(url, { folder })).toEqual({ applied: [], adopted: [] });
    expect(await tableExists(url, 'next_one')).toBe(true);
    const db = createDb({ url, poolMax: 1 });
    try {
      const next = (await readMigrations(folder)).find(({ name }) => name === '9999_next');
      expect(await db('migration_checksums').where({ name: '9999_next' }).first('sha256', 'adopted'))
        .toEqual({ sha256: next?.checksum, adopted: false });
    } finally {
      await db.destroy();
    }
  });

  it('refuses when the file of an applied migration is gone', async () => {
    const url = await freshDatabase();
    await migrateLatest(url, { folder });
    await rm(join(dir, '0005_ledger.ts'));
    await expect(migrateLatest(url, { folder })).rejects.toThrow(/0005_ledger\.ts was applied to this database but its file is missing/);
  });

  it('reads a file checked out with CRLF line endings as unchanged', async () => {
    const url = await freshDatabase();
    await migrateLatest(url, { folder });
    const file = join(dir, '0001_bills.ts');
    await writeFile(file, (await readFile(file, 'utf8')).replaceAll('\n', '\r\n'));
    expect(await migrateLatest(url, { folder })).toEqual({ applied: [], adopted: [] });
  });

  it('adopts the checksums of a database migrated before checksums were kept, then holds it to them', async () => {
    const url = await freshDatabase();
    await migrateLatest(url, { folder });
    // What a database migrated by the runner before checksums looks like: knex's own table only.
    const db = createDb({ url, poolMax: 1 });
    try {
      await db.schema.dropTable('migration_checksums');
    } finally {
      await db.destroy();
    }

    expect(await migrateLatest(url, { folder })).toEqual({ applied: [], adopted: names });
    expect(await migrateLatest(url, { folder })).toEqual({ applied: [], adopted: [] });
    const after = createDb({ url, poolMax: 1 });
    try {
      const rows = await after('migration_checksums').orderBy('name').select('name', 'sha256', 'adopted');
      expect(rows).toEqual((await readMigrations(folder)).map(({ name, checksum }) => ({ name, sha256: checksum, adopted: true })));
    } finally {
      await after.destroy();
    }

    await appendFile(join(dir, '0008_events.ts'), '\n');
    await expect(migrateLatest(url, { folder })).rejects.toThrow(/0008_events\.ts was applied with checksum/);
  });
});
