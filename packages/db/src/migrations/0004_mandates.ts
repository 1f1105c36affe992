import type { Knex } from 'knex';

// The mandate read model (Temporal holds the live mandate; this is what reads and lists see), its
// collections, the reminders sent, and the built-in payment simulator's own records.
export async function up(db: Knex): Promise<void> {
  await db.raw(`
    CREATE TABLE mandates (
      id                     text PRIMARY KEY,
      customer_id            text NOT NULL,
      status                 text NOT NULL CHECK (status IN ('ACTIVE', 'PAUSED', 'PAST_DUE', 'CANCELLED', 'COMPLETED')),
      description            text NOT NULL,
      -- Money as exact integers of minor units, never floats.
      amount_minor           numeric(38, 0) NOT NULL CHECK (amount_minor > 0),
      currency               text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
      frequency              text NOT NULL,
      first_collection_date  date NOT NULL,
      end_date               date,
      time_zone              text NOT NULL,
      collection_time        text NOT NULL CHECK (collection_time ~ '^([01][0-9]|2[0-3]):[0-5][0-9]$'),
      auto_execution         boolean NOT NULL,
      reminder_days_before   integer NOT NULL CHECK (reminder_days_before >= 0),
      paused_until           date,
      -- The schedule in force (anchor, anchorDay, frequency, firstCycle, endDate) and the first
      -- cycle not yet started: enough to list the next due dates without asking the workflow.
      schedule               jsonb NOT NULL,
      next_cycle             integer NOT NULL CHECK (next_cycle >= 1),
      collections_completed  integer NOT NULL DEFAULT 0,
      last_collection_cycle  integer,
      workflow_id            text NOT NULL,
      -- Grows with every change the workflow makes; an older write never replaces a newer one.
      revision               bigint NOT NULL DEFAULT 0,
      created_at             timestamptz NOT NULL,
      updated_at             timestamptz NOT NULL
    );
    CREATE INDEX mandates_customer ON mandates (customer_id, created_at DESC, id DESC);

    CREATE TABLE mandate_collections (
      mandate_id         text NOT NULL REFERENCES mandates (id),
      cycle              integer NOT NULL CHECK (cycle >= 1),
      due_date           date NOT NULL,
      status             text NOT NULL CHECK (status IN ('SCHEDULED', 'AWAITING_APPROVAL', 'SUCCEEDED', 'FAILED', 'SKIPPED', 'MISSED')),
      attempts           integer NOT NULL DEFAULT 0,
      amount_minor       numeric(38, 0) NOT NULL,
      currency           text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
      payment_reference  text,
      failure_reason     text,
      collected_at       timestamptz,
      -- The bill line item a successful collection became (its key is mandate:{id}:{cycle}).
      bill_id            text,
      revision           bigint NOT NULL DEFAULT 0,
      updated_at         timestamptz NOT NULL,
      PRIMARY KEY (mandate_id, cycle)
    );

    -- What the notification port sent (reminders of manual mandates), once per mandate and cycle.
    CREATE TABLE mandate_notifications (
      mandate_id  text NOT NULL REFERENCES mandates (id),
      cycle       integer NOT NULL,
      kind        text NOT NULL,
      sent_at     timestamptz NOT NULL,
      PRIMARY KEY (mandate_id, cycle, kind)
    );

    -- The built-in payment simulator. A charge is identified by the caller's idempotency key, like
    -- a payment intent: once it has succeeded, the same key returns that success and never charges
    -- again; after a decline the same key may be attempted again (a dunning retry).
    CREATE TABLE simulated_charges (
      idempotency_key  text PRIMARY KEY,
      customer_id      text NOT NULL,
      amount_minor     numeric(38, 0) NOT NULL,
      currency         text NOT NULL,
      status           text NOT NULL CHECK (status IN ('SUCCEEDED', 'DECLINED')),
      reference        text NOT NULL,
      decline_reason   text,
      attempts         integer NOT NULL DEFAULT 1,
      created_at       timestamptz NOT NULL DEFAULT now(),
      updated_at       timestamptz NOT NULL DEFAULT now()
    );
    -- Every attempt that reached the simulator, in order: how tests count money actually taken.
    CREATE TABLE simulated_charge_attempts (
      id               bigserial PRIMARY KEY,
      idempotency_key  text NOT NULL,
      outcome          text NOT NULL CHECK (outcome IN ('CHARGED', 'DECLINED', 'TRANSIENT_FAILURE', 'REPLAYED')),
      at               timestamptz NOT NULL DEFAULT now()
    );
    -- How a user or a test steers the simulator: the next attempts for a customer take these
    -- outcomes in order (DECLINE, TRANSIENT_FAILURE or SUCCEED); with none queued, a charge succeeds.
    CREATE TABLE simulator_script (
      id           bigserial PRIMARY KEY,
      customer_id  text NOT NULL,
      outcome      text NOT NULL CHECK (outcome IN ('SUCCEED', 'DECLINE', 'TRANSIENT_FAILURE')),
      reason       text
    );
    CREATE INDEX simulator_script_customer ON simulator_script (customer_id, id);
  `);
}
