import type { Knex } from 'knex';

// Usage-based billing (docs/usage.md): billable metrics, their prices, the raw usage events and
// what a closed bill made of them.
//
// - A metric's meaning (aggregation, field, filters) is frozen once events have been sent for it
//   (`referenced_at`): the trigger below refuses such an edit, whatever code issues it.
// - Raw events are partitioned by month on their own timestamp, so old ones go by dropping a
//   partition, not by a DELETE. Partitions are made ahead by `usage_events_ensure_partitions`
//   (bill-service calls it at start and periodically) and dropped by
//   `usage_events_drop_partitions_before`.
// - A unique constraint cannot span partitions, so the deduplication of (customer, transaction id)
//   lives in its own unpartitioned table, purged by age separately (at least 35 days).
export async function up(db: Knex): Promise<void> {
  await db.raw(`
    CREATE TABLE usage_metrics (
      code           text PRIMARY KEY CONSTRAINT usage_metrics_code_format CHECK (code ~ '^[a-z][a-z0-9_.-]{0,63}$'),
      name           text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 200),
      aggregation    text NOT NULL CHECK (aggregation IN ('COUNT', 'SUM', 'MAX', 'UNIQUE_COUNT', 'LATEST')),
      field          text,
      filters        jsonb NOT NULL DEFAULT '[]'::jsonb,
      version        integer NOT NULL DEFAULT 1 CHECK (version >= 1),
      referenced_at  timestamptz,
      created_at     timestamptz NOT NULL DEFAULT now(),
      updated_at     timestamptz NOT NULL DEFAULT now(),
      CONSTRAINT usage_metrics_field_needed CHECK ((aggregation = 'COUNT') = (field IS NULL))
    );

    CREATE FUNCTION usage_metrics_meaning_is_final() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF OLD.referenced_at IS NOT NULL AND (OLD.aggregation, OLD.field, OLD.filters, OLD.version)
          IS DISTINCT FROM (NEW.aggregation, NEW.field, NEW.filters, NEW.version) THEN
        RAISE EXCEPTION 'metric % has events and its meaning cannot change', OLD.code
          USING ERRCODE = 'check_violation', CONSTRAINT = 'usage_metrics_meaning_is_final';
      END IF;
      RETURN NEW;
    END $$;
    CREATE TRIGGER usage_metrics_meaning_is_final BEFORE UPDATE ON usage_metrics
      FOR EACH ROW EXECUTE FUNCTION usage_metrics_meaning_is_final();

    -- One price per metric and scope: the platform's default (customer_id NULL) or one customer's.
    CREATE TABLE usage_prices (
      id           text PRIMARY KEY CHECK (id ~ '^upr_[0-9a-f]{32}$'),
      metric_code  text NOT NULL REFERENCES usage_metrics (code),
      customer_id  text,
      currency     text NOT NULL CONSTRAINT usage_prices_currency_code CHECK (currency ~ '^[A-Z]{3}$'),
      model        text NOT NULL CHECK (model IN ('PER_UNIT', 'GRADUATED', 'VOLUME', 'PACKAGE')),
      -- Every amount in it is a decimal string.
      definition   jsonb NOT NULL,
      created_at   timestamptz NOT NULL DEFAULT now(),
      updated_at   timestamptz NOT NULL DEFAULT now()
    );
    CREATE UNIQUE INDEX usage_prices_scope ON usage_prices (metric_code, coalesce(customer_id, ''));

    CREATE TABLE usage_event_keys (
      customer_id     text NOT NULL,
      transaction_id  text NOT NULL,
      received_at     timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (customer_id, transaction_id)
    );
    -- Rows arrive in received_at order: a BRIN index finds the old ones for the purge at almost no cost.
    CREATE INDEX usage_event_keys_received ON usage_event_keys USING brin (received_at);

    CREATE TABLE usage_events (
      seq             bigint GENERATED ALWAYS AS IDENTITY,
      customer_id     text NOT NULL,
      transaction_id  text NOT NULL,
      metric_code     text NOT NULL,
      metric_version  integer NOT NULL,
      ts              timestamptz NOT NULL,
      -- The metric field's value: a canonical decimal for SUM, MAX and LATEST, the text for UNIQUE_COUNT.
      value           text,
      -- The metric's filter values this event carries, as canonical JSON; NULL: outside the filters.
      dimension       text,
      properties      jsonb NOT NULL DEFAULT '{}'::jsonb,
      received_at     timestamptz NOT NULL DEFAULT now()
    ) PARTITION BY RANGE (ts);
    CREATE INDEX usage_events_customer_metric_ts ON usage_events (customer_id, metric_code, ts);

    -- Monthly partitions (UTC months) covering [from_ts, through_ts]; returns how many it made.
    CREATE FUNCTION usage_events_ensure_partitions(from_ts timestamptz, through_ts timestamptz) RETURNS integer
    LANGUAGE plpgsql AS $$
    DECLARE
      month_start timestamp := date_trunc('month', from_ts AT TIME ZONE 'UTC');
      made integer := 0;
      name text;
    BEGIN
      WHILE month_start <= (through_ts AT TIME ZONE 'UTC') LOOP
        name := 'usage_events_p' || to_char(month_start, 'YYYYMM');
        IF to_regclass(name) IS NULL THEN
          EXECUTE format('CREATE TABLE IF NOT EXISTS %I PARTITION OF usage_events FOR VALUES FROM (%L) TO (%L)',
            name, month_start AT TIME ZONE 'UTC', (month_start + interval '1 month') AT TIME ZONE 'UTC');
          made := made + 1;
        END IF;
        month_start := month_start + interval '1 month';
      END LOOP;
      RETURN made;
    END $$;

    -- Drops every partition that ends at or before cutoff, and returns their names.
    CREATE FUNCTION usage_events_drop_partitions_before(cutoff timestamptz) RETURNS SETOF text
    LANGUAGE plpgsql AS $$
    DECLARE
      part record;
    BEGIN
      FOR part IN
        SELECT child.relname AS name,
               (regexp_match(pg_get_expr(child.relpartbound, child.oid), 'TO \\(''([^'']+)''\\)'))[1]::timestamptz AS upper_bound
          FROM pg_inherits JOIN pg_class child ON child.oid = pg_inherits.inhrelid
         WHERE pg_inherits.inhparent = 'usage_events'::regclass
      LOOP
        IF part.upper_bound <= cutoff THEN
          EXECUTE format('DROP TABLE %I', part.name);
          RETURN NEXT part.name;
        END IF;
      END LOOP;
    END $$;

    SELECT usage_events_ensure_partitions(now() - interval '2 months', now() + interval '2 months');

    -- What a closed bill made of its period's usage: one row per metric and filter value, with
    -- the quantity and the price that made the amount, beside the bill's line item.
    CREATE TABLE usage_line_items (
      line_item_id    text PRIMARY KEY REFERENCES line_items (id),
      bill_id         text NOT NULL REFERENCES bills (id),
      metric_code     text NOT NULL,
      metric_version  integer NOT NULL,
      dimension       text NOT NULL,
      quantity        numeric NOT NULL,
      event_count     bigint NOT NULL,
      price_id        text,
      price           jsonb,
      amount_minor    numeric(38, 0) NOT NULL,
      UNIQUE (bill_id, metric_code, dimension)
    );
  `);
}
