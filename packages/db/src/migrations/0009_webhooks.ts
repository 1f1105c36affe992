import type { Knex } from 'knex';

// Webhook endpoints and their deliveries. A delivery row is created by the database itself, in the
// transaction that inserts the event, for every enabled endpoint the event matches: an event and
// the deliveries it owes commit together, so no crash can lose one. Deliveries are then claimed by
// the dispatcher with a lease (FOR UPDATE SKIP LOCKED), sent, and recorded attempt by attempt.
export async function up(db: Knex): Promise<void> {
  await db.raw(`
    CREATE TABLE webhook_endpoints (
      id               text PRIMARY KEY CHECK (id ~ '^we_[0-9a-f]{32}$'),
      url              text NOT NULL,
      -- Event types, or the single element '*' for all of them.
      event_types      text[] NOT NULL CHECK (cardinality(event_types) >= 1),
      -- NULL: a platform endpoint, which receives every customer's events.
      customer_id      text,
      description      text,
      disabled         boolean NOT NULL DEFAULT false,
      -- Why it is disabled: 'manual' (PATCH) or 'failing' (5 days of failed deliveries).
      disabled_reason  text CHECK (disabled_reason IN ('manual', 'failing')),
      -- false: deliveries to this endpoint are sent as soon as they are due, in no particular order.
      ordered          boolean NOT NULL DEFAULT true,
      -- Set by the first failed attempt after a success, cleared by the next success.
      failing_since    timestamptz,
      created_at       timestamptz NOT NULL DEFAULT now(),
      updated_at       timestamptz NOT NULL DEFAULT now(),
      CHECK ((disabled_reason IS NULL) = (NOT disabled))
    );
    CREATE INDEX webhook_endpoints_customer ON webhook_endpoints (customer_id, created_at);

    -- Signing secrets: the newest one, plus any older one still inside its rotation overlap.
    CREATE TABLE webhook_endpoint_secrets (
      endpoint_id  text NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
      -- The base64 key bytes (the part after whsec_).
      secret       text NOT NULL,
      created_at   timestamptz NOT NULL DEFAULT now(),
      -- NULL while it is the current secret; set when a rotation starts its overlap period.
      expires_at   timestamptz,
      PRIMARY KEY (endpoint_id, created_at)
    );

    CREATE TABLE webhook_deliveries (
      id               text PRIMARY KEY CHECK (id ~ '^wd_[0-9a-f]{32}$'),
      endpoint_id      text NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
      event_id         text NOT NULL,
      customer_id      text NOT NULL,
      -- The event's place in its customer's sequence: an ordered endpoint sends a customer's
      -- deliveries one at a time, lowest seq first.
      event_seq        bigint NOT NULL,
      event_type       text NOT NULL,
      status           text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'succeeded', 'failed')),
      attempt_count    integer NOT NULL DEFAULT 0,
      next_attempt_at  timestamptz NOT NULL DEFAULT now(),
      -- Held by the dispatcher sending it; an expired lease (a crashed dispatcher) frees it again.
      lease_until      timestamptz,
      -- After this moment a failed attempt is the last one: 3 days after creation, or right away
      -- for a delivery sent again by hand.
      give_up_at       timestamptz NOT NULL DEFAULT now() + interval '3 days',
      created_at       timestamptz NOT NULL DEFAULT now(),
      completed_at     timestamptz,
      UNIQUE (endpoint_id, event_id)
    );
    CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE status = 'pending';
    CREATE INDEX webhook_deliveries_queue ON webhook_deliveries (endpoint_id, customer_id, event_seq) WHERE status = 'pending';
    CREATE INDEX webhook_deliveries_endpoint ON webhook_deliveries (endpoint_id, created_at DESC, id);

    CREATE TABLE webhook_attempts (
      delivery_id    text NOT NULL REFERENCES webhook_deliveries (id) ON DELETE CASCADE,
      attempt        integer NOT NULL CHECK (attempt >= 1),
      started_at     timestamptz NOT NULL,
      duration_ms    integer NOT NULL CHECK (duration_ms >= 0),
      -- NULL when no HTTP answer came (timeout, refused connection, refused address).
      status_code    integer,
      error          text,
      -- The first 1 kB of the answer's body.
      response_body  text,
      -- When the next attempt is due; NULL when this was the last one.
      next_retry_at  timestamptz,
      PRIMARY KEY (delivery_id, attempt)
    );

    -- Fan-out: one delivery per matching enabled endpoint, in the statement that inserts the events.
    CREATE FUNCTION webhook_fan_out() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      INSERT INTO webhook_deliveries (id, endpoint_id, event_id, customer_id, event_seq, event_type)
      SELECT 'wd_' || replace(gen_random_uuid()::text, '-', ''), w.id, e.id, e.customer_id, e.seq, e.type
      FROM new_events e
      JOIN webhook_endpoints w
        ON NOT w.disabled
       AND (w.customer_id IS NULL OR w.customer_id = e.customer_id)
       AND ('*' = ANY (w.event_types) OR e.type = ANY (w.event_types));
      RETURN NULL;
    END $$;
    CREATE TRIGGER webhook_fan_out AFTER INSERT ON events
      REFERENCING NEW TABLE AS new_events
      FOR EACH STATEMENT EXECUTE FUNCTION webhook_fan_out();
  `);
}
