import type { Knex } from 'knex';

// Every rate used to convert a line item, kept forever so an invoice can be reproduced years
// later; line items point at the rate they were converted with.
export async function up(db: Knex): Promise<void> {
  await db.raw(`
    CREATE TABLE exchange_rates (
      id          text PRIMARY KEY,
      base        char(3) NOT NULL,
      quote       char(3) NOT NULL,
      -- The unrounded decimal rate exactly as the rates service answered it.
      rate        numeric NOT NULL CHECK (rate > 0),
      source      text NOT NULL,
      as_of       timestamptz NOT NULL,
      first_used_at timestamptz NOT NULL DEFAULT now(),
      UNIQUE (base, quote, rate, source, as_of)
    );

    -- Rates are facts about the past: never edited, never deleted.
    CREATE FUNCTION exchange_rates_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      RAISE EXCEPTION 'exchange rate % is immutable', OLD.id USING ERRCODE = 'check_violation';
    END $$;
    CREATE TRIGGER exchange_rates_immutable BEFORE UPDATE OR DELETE ON exchange_rates
      FOR EACH ROW EXECUTE FUNCTION exchange_rates_immutable();

    ALTER TABLE line_items ADD COLUMN rate_id text REFERENCES exchange_rates (id);
  `);
}
