// A metric's aggregation over a set of events, exact: quantities are decimals, never floats.
// `aggregate` is the reference; `aggregationSql` says the same thing to PostgreSQL, which does it
// where the events are (a bill's close reads millions of them), and tests hold the two equal.
import { addDecimals, compareDecimals, decimal, decimalToString, normalizeDecimal, parseDecimal, type Decimal } from '@billing/money';
import type { Aggregation } from './metric.ts';

/** One stored event as an aggregation sees it, in the order it was stored. */
export interface StoredReading {
  /** ISO 8601 instant. */
  readonly ts: string;
  readonly value: string | null;
  /** Canonical JSON of its filter values; null: outside the metric's filters, never counted. */
  readonly dimension: string | null;
}

export interface Aggregate {
  readonly dimension: string;
  /** Canonical decimal text: no trailing fractional zeros. */
  readonly quantity: string;
  readonly eventCount: number;
}

/** Canonical text of a decimal quantity as PostgreSQL or JavaScript wrote it ("3.500" → "3.5"). */
export function canonicalQuantity(text: string): string {
  return decimalToString(normalizeDecimal(parseDecimal(text, { maxIntegerDigits: 40, maxScale: 40 })));
}

/**
 * The quantity per dimension. Events are in storage order: LATEST takes the value of the event
 * with the latest timestamp, the one stored last among equal timestamps.
 */
export function aggregate(aggregation: Aggregation, readings: readonly StoredReading[]): Aggregate[] {
  const groups = new Map<string, StoredReading[]>();
  for (const reading of readings) {
    if (reading.dimension === null) continue;
    const group = groups.get(reading.dimension);
    if (group) group.push(reading);
    else groups.set(reading.dimension, [reading]);
  }
  return [...groups].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([dimension, group]) => ({
    dimension, quantity: quantityOf(aggregation, group), eventCount: group.length,
  }));
}

function numeric(reading: StoredReading): Decimal {
  if (reading.value === null) throw new Error('a numeric aggregation read an event without a value');
  return parseDecimal(reading.value, { maxIntegerDigits: 40, maxScale: 40 });
}

function quantityOf(aggregation: Aggregation, group: readonly StoredReading[]): string {
  switch (aggregation) {
    case 'COUNT':
      return String(group.length);
    case 'SUM':
      return decimalToString(normalizeDecimal(group.map(numeric).reduce(addDecimals, decimal(0n))));
    case 'MAX':
      return decimalToString(normalizeDecimal(group.map(numeric).reduce((max, value) => (compareDecimals(value, max) > 0 ? value : max))));
    case 'UNIQUE_COUNT':
      return String(new Set(group.map((reading) => reading.value)).size);
    case 'LATEST': {
      let latest = group[0] as StoredReading;
      for (const reading of group) if (Date.parse(reading.ts) >= Date.parse(latest.ts)) latest = reading;
      return decimalToString(normalizeDecimal(numeric(latest)));
    }
  }
}

/**
 * The same aggregation as a PostgreSQL expression over `usage_events` (columns `value`, `ts`,
 * `seq`), giving text; read it back through canonicalQuantity.
 */
export function aggregationSql(aggregation: Aggregation): string {
  switch (aggregation) {
    case 'COUNT':
      return 'count(*)::text';
    case 'SUM':
      return 'sum(value::numeric)::text';
    case 'MAX':
      return 'max(value::numeric)::text';
    case 'UNIQUE_COUNT':
      return 'count(DISTINCT value)::text';
    case 'LATEST':
      return '(array_agg(value ORDER BY ts DESC, seq DESC))[1]';
  }
}
