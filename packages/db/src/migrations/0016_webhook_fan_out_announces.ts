import type { Knex } from 'knex';

// The webhook fan-out announces the deliveries it creates: one notification on the deliveries
// channel per statement that inserted events matching at least one enabled endpoint, and none
// otherwise. The worker's dispatcher listens to that channel only, so an event no endpoint wants
// (most of them, on a platform with few endpoints) no longer wakes every dispatcher into a claim
// that finds nothing. The channel's name is `WEBHOOK_DELIVERIES_CHANNEL` in @billing/webhooks,
// where a delivery sent again by hand is announced too.
export async function up(db: Knex): Promise<void> {
  await db.raw(`
    CREATE OR REPLACE FUNCTION webhook_fan_out() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
      created integer;
    BEGIN
      INSERT INTO webhook_deliveries (id, endpoint_id, event_id, customer_id, event_seq, event_type)
      SELECT 'wd_' || replace(gen_random_uuid()::text, '-', ''), w.id, e.id, e.customer_id, e.seq, e.type
      FROM new_events e
      JOIN webhook_endpoints w
        ON NOT w.disabled
       AND (w.customer_id IS NULL OR w.customer_id = e.customer_id)
       AND ('*' = ANY (w.event_types) OR e.type = ANY (w.event_types));
      GET DIAGNOSTICS created = ROW_COUNT;
      IF created > 0 THEN
        PERFORM pg_notify('billing_webhook_deliveries', 'fan-out');
      END IF;
      RETURN NULL;
    END $$;
  `);
}

