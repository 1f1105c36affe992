// The SQL that both sides of usage billing share: bill-service ingesting events and reading usage,
// the worker closing a bill. The barrier between the two is an advisory lock per customer:
// ingest holds it shared for the transaction that checks periods and stores events, a bill's
// close holds it exclusively while it marks the bill CLOSING and reads its period's usage. So an
// event is committed before the close reads (and is on the bill), or it is checked after the
// bill left OPEN (and is refused): never both, never neither (docs/usage.md).
import type { Db, DbTransaction } from './connection.ts';

/** First key of the two-key advisory locks on a customer's usage ("usag" in ASCII). */
export const USAGE_LOCK_CLASS = 0x75736167;

type Queryable = Db | DbTransaction;

/** Ingest's side: shared locks on each customer's usage, in one order, until the transaction ends. */
export async function lockUsageShared(trx: DbTransaction, customerIds: readonly string[]): Promise<void> {
  await trx.raw(`SELECT pg_advisory_xact_lock_shared(?, hashtext(c)) FROM (SELECT DISTINCT c FROM unnest(?::text[]) AS c ORDER BY c) AS s`,
    [USAGE_LOCK_CLASS, [...customerIds]]);
}

/** The close's side: the customer's usage lock, exclusively, until the transaction ends. */
export async function lockUsageExclusive(trx: DbTransaction, customerId: string): Promise<void> {
  await trx.raw('SELECT pg_advisory_xact_lock(?, hashtext(?))', [USAGE_LOCK_CLASS, customerId]);
}

export interface StoredMetric {
  code: string;
  name: string;
  aggregation: 'COUNT' | 'SUM' | 'MAX' | 'UNIQUE_COUNT' | 'LATEST';
  field: string | null;
  filters: Array<{ key: string; values: string[] }>;
  version: number;
  referencedAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

export function storedMetric(row: Record<string, unknown>): StoredMetric {
  return {
    code: String(row.code),
    name: String(row.name),
    aggregation: row.aggregation as StoredMetric['aggregation'],
    field: row.field === null ? null : String(row.field),
    filters: row.filters as StoredMetric['filters'],
    version: Number(row.version),
    referencedAt: (row.referenced_at as Date | null) ?? null,
    createdAt: row.created_at as Date,
    updatedAt: row.updated_at as Date,
  };
}

/** Up to `limit` metrics by code, after the code `after` when given. */
export async function listMetricsPage(db: Queryable, after: string | undefined, limit: number): Promise<StoredMetric[]> {
  const query = db('usage_metrics').orderBy('code').limit(limit);
  if (after !== undefined) void query.where('code', '>', after);
  return (await query as Array<Record<string, unknown>>).map(storedMetric);
}

export async function listMetrics(db: Queryable, codes?: readonly string[]): Promise<StoredMetric[]> {
  const query = db('usage_metrics').orderBy('code');
  if (codes) void query.whereIn('code', [...codes]);
  return (await query as Array<Record<string, unknown>>).map(storedMetric);
}

export interface StoredPrice {
  id: string;
  metricCode: string;
  customerId: string | null;
  currency: string;
  model: 'PER_UNIT' | 'GRADUATED' | 'VOLUME' | 'PACKAGE';
  /** The price as checked: every figure a decimal string. */
  definition: Record<string, unknown>;
  updatedAt: Date;
}

function storedPrice(row: Record<string, unknown>): StoredPrice {
  return {
    id: String(row.id),
    metricCode: String(row.metric_code),
    customerId: row.customer_id === null ? null : String(row.customer_id),
    currency: String(row.currency),
    model: row.model as StoredPrice['model'],
    definition: row.definition as Record<string, unknown>,
    updatedAt: row.updated_at as Date,
  };
}

/** The price that applies to a customer per metric: its own, else the platform's. */
export async function effectivePrices(db: Queryable, customerId: string): Promise<Map<string, StoredPrice>> {
  const rows = await db('usage_prices').where((q) => q.whereNull('customer_id').orWhere('customer_id', customerId))
    .orderByRaw('customer_id NULLS FIRST') as Array<Record<string, unknown>>;
  const prices = new Map<string, StoredPrice>();
  for (const row of rows) prices.set(String(row.metric_code), storedPrice(row));
  return prices;
}

export async function platformPrice(db: Queryable, metricCode: string): Promise<StoredPrice | undefined> {
  const row = await db('usage_prices').where({ metric_code: metricCode }).whereNull('customer_id').first() as Record<string, unknown> | undefined;
  return row && storedPrice(row);
}

export async function upsertPrice(db: Queryable, price: Omit<StoredPrice, 'updatedAt'>): Promise<StoredPrice> {
  const { rows } = await db.raw(`
    INSERT INTO usage_prices (id, metric_code, customer_id, currency, model, definition)
    VALUES (?, ?, ?, ?, ?, ?)
    ON CONFLICT (metric_code, coalesce(customer_id, ''))
    DO UPDATE SET currency = EXCLUDED.currency, model = EXCLUDED.model, definition = EXCLUDED.definition, updated_at = now()
    RETURNING *`,
  [price.id, price.metricCode, price.customerId, price.currency, price.model, JSON.stringify(price.definition)]) as { rows: Array<Record<string, unknown>> };
  return storedPrice(rows[0] as Record<string, unknown>);
}

export interface UsageAggregateRow {
  metricCode: string;
  metricVersion: number;
  dimension: string;
  /** As PostgreSQL writes it; canonicalise before comparing. */
  quantity: string;
  eventCount: number;
}

/**
 * A customer's usage in [from, to) per metric and dimension; `metrics` gives each metric's
 * aggregation as a SQL expression over `value`, `ts` and `seq` (@billing/usage's aggregationSql).
 */
export async function aggregateUsage(db: Queryable, args: {
  customerId: string; from: Date | string; to: Date | string; metrics: ReadonlyArray<{ code: string; expression: string }>;
}): Promise<UsageAggregateRow[]> {
  const rows: UsageAggregateRow[] = [];
  for (const metric of args.metrics) {
    const { rows: found } = await db.raw(`
      SELECT metric_version, dimension, ${metric.expression} AS quantity, count(*) AS event_count
        FROM usage_events
       WHERE customer_id = ? AND metric_code = ? AND ts >= ? AND ts < ? AND dimension IS NOT NULL
       GROUP BY metric_version, dimension
       ORDER BY dimension`, [args.customerId, metric.code, args.from, args.to]) as { rows: Array<Record<string, unknown>> };
    for (const row of found) {
      rows.push({
        metricCode: metric.code, metricVersion: Number(row.metric_version), dimension: String(row.dimension),
        quantity: String(row.quantity), eventCount: Number(row.event_count),
      });
    }
  }
  return rows;
}
