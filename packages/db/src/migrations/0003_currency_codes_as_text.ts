import type { Knex } from 'knex';

// Currency codes were char(3), a type PostgreSQL pads with blanks and compares blank-insensitively,
// so every reader had to trim what it read. Codes are now text holding exactly three upper-case
// letters (the ISO 4217 shape; which codes are accepted is the application's list), so what is
// read back is the code that was written. A check constraint keeps any padded value out.
export async function up(db: Knex): Promise<void> {
  await db.raw(`
    ALTER TABLE bills
      ALTER COLUMN currency TYPE text USING rtrim(currency),
      ADD CONSTRAINT bills_currency_code CHECK (currency ~ '^[A-Z]{3}$');
    ALTER TABLE line_items
      ALTER COLUMN currency TYPE text USING rtrim(currency),
      ADD CONSTRAINT line_items_currency_code CHECK (currency ~ '^[A-Z]{3}$');
    ALTER TABLE exchange_rates
      ALTER COLUMN base TYPE text USING rtrim(base),
      ALTER COLUMN quote TYPE text USING rtrim(quote),
      ADD CONSTRAINT exchange_rates_currency_codes CHECK (base ~ '^[A-Z]{3}$' AND quote ~ '^[A-Z]{3}$');
  `);
}
