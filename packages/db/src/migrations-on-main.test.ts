// Holds every migration in the repository to the checksum committed with it in
// src/migrations/checksums.json: a migration, once merged, is never edited (docs/migrations.md).
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { MIGRATIONS_FOLDER, readMigrations } from './index.ts';

const LIST = new URL('checksums.json', MIGRATIONS_FOLDER);

describe('migrations in the repository', () => {
  it('each match the checksum committed for them, and every one is listed', async () => {
    const committed = JSON.parse(await readFile(LIST, 'utf8')) as Record<string, string>;
    const migrations = await readMigrations();
    const problems: string[] = [];
    for (const { name, checksum } of migrations) {
      const file = `${name}.ts`;
      const listed = committed[file];
      if (listed === undefined) {
        problems.push(`${file} is not in src/migrations/checksums.json. A new migration is added to the list `
          + `in the same commit: append "${file}": "${checksum}".`);
      } else if (listed !== checksum) {
        problems.push(`${file} was edited (committed checksum ${listed}, file now ${checksum}). A migration on main `
          + 'is never edited, since databases already ran it: restore the file and put the change in a new migration. '
          + 'Never update its checksum in the list.');
      }
    }
    const files = new Set(migrations.map(({ name }) => `${name}.ts`));
    for (const file of Object.keys(committed)) {
      if (!files.has(file)) problems.push(`${file} is in src/migrations/checksums.json but its file is gone: migrations are never removed.`);
    }
    expect(problems, problems.join('\n')).toEqual([]);
    expect(migrations.length).toBeGreaterThan(0);
  });
});
