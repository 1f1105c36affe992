import type { Knex } from 'knex';

// The bill read model (Temporal holds the live bill; this is what reads and lists see),
// the per-year invoice counters, and the gateway's idempotency records.
export async function up(db: Knex): Promise<void> {
  await db.raw(`
    CREATE TABLE bills (
      id              text PRIMARY KEY,
      customer_id     text NOT NULL,
      billing_period  text NOT NULL CHECK (billing_period ~ '^[0-9]{4}-(0[1-9]|1[0-2])$'),
      currency        char(3) NOT NULL,
      time_zone       text NOT NULL,
      status          text NOT NULL CHECK (status IN ('OPEN', 'CLOSING', 'CLOSED', 'FAILED')),
      period_start    timestamptz NOT NULL,
      period_end      timestamptz NOT NULL,
      item_count      integer NOT NULL DEFAULT 0,
      -- Money as exact integers of minor units, never floats.
      total_minor     numeric(38, 0) NOT NULL DEFAULT 0,
      subtotals       jsonb NOT NULL DEFAULT '{}'::jsonb,
      invoice_number  text UNIQUE,
      failure_reason  text,
      workflow_id     text NOT NULL,
      created_at      timestamptz NOT NULL DEFAULT now(),
      updated_at      timestamptz NOT NULL DEFAULT now(),
      closed_at       timestamptz,
      UNIQUE (customer_id, billing_period)
    );
    CREATE INDEX bills_customer_period ON bills (customer_id, billing_period DESC);

    -- After CLOSED nothing about a bill changes: the database enforces it, not only the code.
    CREATE FUNCTION bills_closed_is_final() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF OLD.status = 'CLOSED' THEN
        RAISE EXCEPTION 'bill % is closed and cannot change', OLD.id USING ERRCODE = 'check_violation';
      END IF;
      RETURN NEW;
    END $$;
    CREATE TRIGGER bills_closed_is_final BEFORE UPDATE ON bills
      FOR EACH ROW EXECUTE FUNCTION bills_closed_is_final();

    CREATE TABLE line_items (
      id                text PRIMARY KEY,
      bill_id           text NOT NULL REFERENCES bills (id),
      seq               integer NOT NULL,
      idempotency_key   text NOT NULL,
      description       text NOT NULL,
      quantity          numeric NOT NULL,
      unit_price        numeric NOT NULL,
      currency          char(3) NOT NULL,
      amount_minor      numeric(38, 0) NOT NULL,
      converted_minor   numeric(38, 0),
      rate              numeric,
      rate_source       text,
      rate_as_of        timestamptz,
      metadata          jsonb NOT NULL DEFAULT '{}'::jsonb,
      added_at          timestamptz NOT NULL,
      UNIQUE (bill_id, idempotency_key),
      UNIQUE (bill_id, seq)
    );

    CREATE TABLE invoice_counters (
      year        integer PRIMARY KEY,
      last_number integer NOT NULL
    );

    CREATE TABLE idempotency_records (
      key               text PRIMARY KEY,
      fingerprint       text NOT NULL,
      state             text NOT NULL CHECK (state IN ('IN_FLIGHT', 'DONE')),
      response_status   integer,
      response_headers  jsonb,
      response_body     text,
      locked_until      timestamptz NOT NULL,
      created_at        timestamptz NOT NULL DEFAULT now(),
      expires_at        timestamptz NOT NULL
    );
    CREATE INDEX idempotency_records_expiry ON idempotency_records (expires_at);
  `);
}
