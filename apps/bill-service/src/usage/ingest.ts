// Ingest: a batch of usage events checked one by one and stored in one transaction with one
// INSERT (unnest arrays, so the statement and its plan are the same whatever the batch size),
// deduplicated per customer by transaction id in usage_event_keys. Each event gets its own
// answer; one event's problem never fails the others. No workflow is involved: a bill's close
// picks the events up from PostgreSQL behind the usage barrier (@billing/db's usage.ts).
import { characterProblem, isCustomerId } from '@billing/text';
import { listMetrics, lockUsageShared, type Db, type StoredMetric } from '@billing/db';
import { checkEventTime, isMetricCode, isTransactionId, readEvent, type MetricDefinition } from '@billing/usage';

export interface IncomingEvent {
  transactionId: string;
  customerId: string;
  metric: string;
  timestamp: string;
  properties: Record<string, string>;
}

export type IngestOutcome =
  | { status: 'accepted' | 'duplicate'; reason?: undefined }
  | { status: 'rejected'; reason: string };

export const MAX_BATCH_EVENTS = 1_000;
const MAX_PROPERTIES = 50;
const MAX_PROPERTY_CHARS = 1_000;

interface Candidate {
  index: number;
  event: IncomingEvent;
  at: Date;
}

/** The value and dimension of a checked candidate, once its metric is known. */
interface Ready extends Candidate {
  metricVersion: number;
  value: string | null;
  dimension: string | null;
}

function definitionOf(metric: StoredMetric): MetricDefinition {
  return { code: metric.code, name: metric.name, aggregation: metric.aggregation, field: metric.field, filters: metric.filters };
}

/**
 * Checks and stores a batch. `actingFor`: the customer a customer-scoped caller is bound to, whose
 * events alone it may send; null for the platform or a service. Given per event, it lets one
 * transaction carry the events of several callers (UsageService's group commit).
 */
export async function ingestEvents(db: Db, events: readonly IncomingEvent[], actingFor: string | null | ReadonlyArray<string | null>,
  now = new Date()): Promise<IngestOutcome[]> {
  const outcomes: Array<IngestOutcome | undefined> = new Array(events.length);
  const firstOf = new Map<string, number>();
  const repeats: Array<{ index: number; first: number }> = [];
  const candidates: Candidate[] = [];
  const scopeOf = (index: number) => (Array.isArray(actingFor) ? (actingFor[index] ?? null) : actingFor as string | null);
  events.forEach((event, index) => {
    const problem = shapeProblem(event, scopeOf(index));
    if (problem) {
      outcomes[index] = { status: 'rejected', reason: problem };
      return;
    }
    const time = checkEventTime(event.timestamp, now.getTime());
    if (!time.ok) {
      outcomes[index] = { status: 'rejected', reason: time.reason };
      return;
    }
    // The same id twice in one batch: the later one is answered as its first was.
    const key = JSON.stringify([event.customerId, event.transactionId]);
    const first = firstOf.get(key);
    if (first !== undefined) {
      repeats.push({ index, first });
      return;
    }
    firstOf.set(key, index);
    candidates.push({ index, event, at: time.at });
  });

  if (candidates.length > 0) {
    await db.transaction(async (trx) => {
      await lockUsageShared(trx, candidates.map((candidate) => candidate.event.customerId));
      const codes = [...new Set(candidates.map((candidate) => candidate.event.metric))];
      // Marked before it is read: from here on its meaning cannot change (a trigger holds it),
      // so every event is read by the definition it will be aggregated with.
      await trx('usage_metrics').whereIn('code', codes).whereNull('referenced_at').update({ referenced_at: trx.fn.now() });
      const metrics = new Map((await listMetrics(trx, codes)).map((metric) => [metric.code, metric]));
      const ready: Ready[] = [];
      for (const candidate of candidates) {
        const metric = metrics.get(candidate.event.metric);
        if (!metric) {
          outcomes[candidate.index] = { status: 'rejected', reason: `metric "${candidate.event.metric}" is not defined` };
          continue;
        }
        const read = readEvent(definitionOf(metric), candidate.event.properties);
        if (!read.ok) {
          outcomes[candidate.index] = { status: 'rejected', reason: read.reason };
          continue;
        }
        ready.push({ ...candidate, metricVersion: metric.version, ...read.reading });
      }
      if (ready.length === 0) return;
      // One array per column: knex binds each as a PostgreSQL array, which unnest takes apart again.
      const columns = [
        ready.map((one) => one.index), ready.map((one) => one.event.customerId), ready.map((one) => one.event.transactionId),
        ready.map((one) => one.event.metric), ready.map((one) => one.metricVersion), ready.map((one) => one.at.toISOString()),
        ready.map((one) => one.value), ready.map((one) => one.dimension), ready.map((one) => JSON.stringify(one.event.properties)),
      ];
      const { rows } = await trx.raw(INSERT_EVENTS, columns as unknown as readonly string[]) as { rows: Array<{ ord: number; open: boolean; inserted: boolean; known: boolean }> };
      for (const row of rows) {
        outcomes[row.ord] = row.inserted ? { status: 'accepted' }
          : row.open || row.known ? { status: 'duplicate' }
            : { status: 'rejected', reason: 'the bill of the period this timestamp falls in is already closed' };
      }
    });
  }
  for (const { index, first } of repeats) {
    const earlier = outcomes[first];
    outcomes[index] = earlier?.status === 'rejected'
      ? { status: 'rejected', reason: 'repeats the transactionId of an earlier event of this batch, which was rejected' }
      : { status: 'duplicate' };
  }
  return outcomes.map((outcome) => outcome ?? { status: 'rejected', reason: 'not processed' });
}

function shapeProblem(event: IncomingEvent, actingFor: string | null): string | undefined {
  if (!isTransactionId(event.transactionId)) return 'transactionId must be 1–255 printable ASCII characters without spaces';
  if (!isCustomerId(event.customerId)) return 'customerId must be 1–64 letters, digits, ".", "_" or "-"';
  if (actingFor !== null && event.customerId !== actingFor) return 'customerId is another customer than the API key is bound to';
  if (!isMetricCode(event.metric)) return `metric "${String(event.metric).slice(0, 64)}" is not defined`;
  const entries = Object.entries(event.properties ?? {});
  if (entries.length > MAX_PROPERTIES) return `properties may hold at most ${MAX_PROPERTIES} keys`;
  if (entries.some(([key, value]) => key.length > 100 || typeof value !== 'string' || value.length > MAX_PROPERTY_CHARS)) {
    return `properties: keys of at most 100 characters, values of at most ${MAX_PROPERTY_CHARS}`;
  }
  // The platform's character rule, as for every other string it stores; it also keeps out the NUL
  // PostgreSQL cannot store in text or JSON, with which the event could only fail its whole batch.
  for (const [key, value] of entries) {
    const problem = characterProblem(key) ?? characterProblem(value as string);
    if (problem !== undefined) return `properties.${key}: ${problem}`;
  }
  return undefined;
}

// An event inside the period of a bill that is no longer OPEN is not stored: the bill has been
// (or is being) closed with its usage read. Its key is not taken either, so the answer is
// "duplicate" only if the very same event was stored before.
const INSERT_EVENTS = `
  WITH input AS (
    SELECT * FROM unnest(?::int[], ?::text[], ?::text[], ?::text[], ?::int[], ?::timestamptz[], ?::text[], ?::text[], ?::jsonb[])
      AS t(ord, customer_id, transaction_id, metric_code, metric_version, ts, value, dimension, properties)
  ), open_input AS (
    SELECT i.* FROM input i
     WHERE NOT EXISTS (SELECT 1 FROM bills b
                        WHERE b.customer_id = i.customer_id AND b.status <> 'OPEN' AND b.period_start <= i.ts AND i.ts < b.period_end)
  ), keys AS (
    INSERT INTO usage_event_keys (customer_id, transaction_id)
    SELECT customer_id, transaction_id FROM open_input
    ON CONFLICT DO NOTHING
    RETURNING customer_id, transaction_id
  ), stored AS (
    INSERT INTO usage_events (customer_id, transaction_id, metric_code, metric_version, ts, value, dimension, properties)
    SELECT o.customer_id, o.transaction_id, o.metric_code, o.metric_version, o.ts, o.value, o.dimension, o.properties
      FROM open_input o JOIN keys k USING (customer_id, transaction_id)
    RETURNING 1
  )
  SELECT i.ord,
         o.ord IS NOT NULL AS open,
         k.transaction_id IS NOT NULL AS inserted,
         CASE WHEN o.ord IS NULL
              THEN EXISTS (SELECT 1 FROM usage_event_keys e WHERE e.customer_id = i.customer_id AND e.transaction_id = i.transaction_id)
              ELSE false END AS known
    FROM input i
    LEFT JOIN open_input o ON o.ord = i.ord
    LEFT JOIN keys k ON k.customer_id = i.customer_id AND k.transaction_id = i.transaction_id`;
