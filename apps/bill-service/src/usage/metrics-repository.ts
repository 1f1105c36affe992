// SQL for metric definitions and prices (the events themselves: ingest.ts).
import { listMetrics, storedMetric, upsertPrice, type Db, type StoredMetric, type StoredPrice } from '@billing/db';
import { isMetricCode, sameMeaning, type MetricDefinition, type PriceDefinition } from '@billing/usage';
import { randomBytes } from 'node:crypto';

/** The metric's meaning is frozen: events were sent for it. */
export class MetricInUseError extends Error {
  constructor(code: string) {
    super(`metric ${code} has events, so its aggregation, field and filters cannot change; define a metric with a new code instead`);
    this.name = 'MetricInUseError';
  }
}

export class UnknownMetricError extends Error {
  constructor(code: string) {
    super(`metric ${code} is not defined`);
    this.name = 'UnknownMetricError';
  }
}

function definitionOf(metric: StoredMetric): MetricDefinition {
  return { code: metric.code, name: metric.name, aggregation: metric.aggregation, field: metric.field, filters: metric.filters };
}

/**
 * Defines a metric or changes it: the name always, the meaning only while no event references
 * it (then its version goes up). `created` is false when nothing needed doing.
 */
export async function putMetric(db: Db, metric: MetricDefinition): Promise<{ metric: StoredMetric; created: boolean }> {
  return db.transaction(async (trx) => {
    const inserted = await trx.raw(`
      INSERT INTO usage_metrics (code, name, aggregation, field, filters) VALUES (?, ?, ?, ?, ?)
      ON CONFLICT (code) DO NOTHING RETURNING *`,
    [metric.code, metric.name, metric.aggregation, metric.field, JSON.stringify(metric.filters)]) as { rows: Array<Record<string, unknown>> };
    if (inserted.rows[0]) return { metric: storedMetric(inserted.rows[0]), created: true };
    const existing = storedMetric(await trx('usage_metrics').where({ code: metric.code }).forUpdate().first() as Record<string, unknown>);
    const meaningChanges = !sameMeaning(definitionOf(existing), metric);
    if (!meaningChanges && existing.name === metric.name) return { metric: existing, created: false };
    if (meaningChanges && existing.referencedAt !== null) throw new MetricInUseError(metric.code);
    const [row] = await trx('usage_metrics').where({ code: metric.code }).update({
      name: metric.name, aggregation: metric.aggregation, field: metric.field, filters: JSON.stringify(metric.filters),
      version: meaningChanges ? existing.version + 1 : existing.version, updated_at: trx.fn.now(),
    }).returning('*') as Array<Record<string, unknown>>;
    return { metric: storedMetric(row as Record<string, unknown>), created: false };
  });
}

export async function getMetric(db: Db, code: string): Promise<StoredMetric | undefined> {
  return (await listMetrics(db, [code]))[0];
}

export async function setPrice(db: Db, metricCode: string, customerId: string | null, price: PriceDefinition): Promise<StoredPrice> {
  if (!isMetricCode(metricCode) || !(await getMetric(db, metricCode))) throw new UnknownMetricError(metricCode);
  return upsertPrice(db, {
    id: `upr_${randomBytes(16).toString('hex')}`, metricCode, customerId, currency: price.currency, model: price.model,
    definition: price as unknown as Record<string, unknown>,
  });
}
