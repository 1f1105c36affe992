import type { Knex } from 'knex';

// Two things the gateway replicas need from the database to keep their per-request work in memory:
//
// - Rate-limit tokens are leased to each replica in chunks: one statement takes up to a chunk of
//   tokens from a key's bucket and must say how many it took (the bucket may hold fewer), which
//   `leased` records and the same statement reads back.
// - A replica caches the API keys it has seen; a key that changes (revoked, above all) is
//   announced on the channel `api_key_changed` with its id, in the transaction that changes it,
//   so every replica drops it from its cache at once. A trigger rather than the gateway's own
//   statement, so a key revoked by hand in SQL is announced too. Last use (`last_used_at`) is
//   not a change any cache holds, so it announces nothing.
export async function up(db: Knex): Promise<void> {
  await db.raw(`
    ALTER TABLE rate_limit_buckets ADD COLUMN leased integer NOT NULL DEFAULT 0;

    CREATE FUNCTION announce_api_key_change() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF TG_OP = 'DELETE' THEN
        PERFORM pg_notify('api_key_changed', OLD.id);
      ELSE
        PERFORM pg_notify('api_key_changed', NEW.id);
      END IF;
      RETURN NULL;
    END;
    $$;

    CREATE TRIGGER api_key_changed AFTER UPDATE ON api_keys FOR EACH ROW
      WHEN (OLD.revoked_at IS DISTINCT FROM NEW.revoked_at
        OR OLD.rate_limit_per_minute IS DISTINCT FROM NEW.rate_limit_per_minute
        OR OLD.customer_id IS DISTINCT FROM NEW.customer_id
        OR OLD.key_hash IS DISTINCT FROM NEW.key_hash)
      EXECUTE FUNCTION announce_api_key_change();
    CREATE TRIGGER api_key_deleted AFTER DELETE ON api_keys FOR EACH ROW
      EXECUTE FUNCTION announce_api_key_change();
  `);
}
