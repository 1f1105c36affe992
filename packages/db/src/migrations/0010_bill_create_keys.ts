import type { Knex } from 'knex';

// The Idempotency-Key a bill was created with, so that a create retried after its first attempt
// made the bill (its answer lost) is answered with that bill, while a create under another key
// (or none) is still refused as already existing. NULL: created without a key, or before this.
export async function up(db: Knex): Promise<void> {
  await db.raw(`
    ALTER TABLE bills ADD COLUMN create_idempotency_key text
      CHECK (create_idempotency_key ~ '^[\\x20-\\x7e]{1,255}$');
  `);
}
