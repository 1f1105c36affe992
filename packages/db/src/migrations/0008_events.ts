import type { Knex } from 'knex';

// The event outbox: every change writes its event row in the same transaction as the change, so an
// event exists exactly when its change committed. Each customer's events carry a gapless sequence.
export async function up(db: Knex): Promise<void> {
  await db.raw(`
    -- One row per customer: taking the next sequence number locks it until commit, so two writers
    -- for one customer take turns and their events commit in sequence order (none skipped, none
    -- interleaved), while writers for different customers never wait for each other.
    CREATE TABLE event_sequences (
      customer_id  text PRIMARY KEY,
      last_seq     bigint NOT NULL CHECK (last_seq >= 1)
    );

    CREATE TABLE events (
      id           text PRIMARY KEY CHECK (id ~ '^evt_[0-9a-f]{32}$'),
      -- Position across all customers, for listing; per customer, seq is the order that holds.
      position     bigserial NOT NULL UNIQUE,
      type         text NOT NULL CHECK (type ~ '^[a-z]+\\.[a-z_]+$'),
      customer_id  text NOT NULL,
      seq          bigint NOT NULL CHECK (seq >= 1),
      created_at   timestamptz NOT NULL DEFAULT now(),
      data         jsonb NOT NULL,
      UNIQUE (customer_id, seq)
    );
    CREATE INDEX events_type ON events (type, position);
    CREATE INDEX events_created ON events (created_at);
  `);
}
