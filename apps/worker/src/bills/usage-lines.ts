// A bill's usage becomes its line items in the transaction that moves the bill from OPEN to
// CLOSING, under the customer's exclusive usage lock (@billing/db's usage barrier): every event
// committed before it is counted here, every later one is refused by ingest. The transaction
// commits whole or not at all, and a retried close finds the bill no longer OPEN and does
// nothing, so the lines are written exactly once however often the activity runs or dies.
// Usage priced in another currency than the bill's is converted as an item is, at a rate the
// close fetched and recorded before its transaction (`usageRatesFor`).
import { createHash } from 'node:crypto';
import { lineItemId, type ExchangeRateView } from '@billing/bills';
import { convert } from '@billing/money';
import { aggregateUsage, effectivePrices, listMetrics, lockUsageExclusive, type Db, type DbTransaction, type StoredPrice } from '@billing/db';
import { aggregationSql, canonicalQuantity, describeDimension, priceQuantity, type PriceDefinition } from '@billing/usage';
import type { StoredLineItem } from './bill-repository.ts';
import type { ExchangeRatePort } from './exchange-rates.ts';

export interface ClosingBill {
  id: string;
  customerId: string;
  currency: string;
  periodStart: Date;
  periodEnd: Date;
}

/** Recorded rates into the bill's currency, by the currency they convert from. */
export type UsageRates = ReadonlyMap<string, ExchangeRateView & { rateId: string }>;

/**
 * The rates a bill's close needs: one per currency of the customer's effective prices other than
 * the bill's, fetched and recorded outside the close's transaction (no network call is made while
 * it holds the usage lock). None is fetched when every price is in the bill's currency.
 */
export async function usageRatesFor(db: Db, customerId: string, billCurrency: string, rates: ExchangeRatePort): Promise<UsageRates> {
  const prices = await effectivePrices(db, customerId);
  const foreign = [...new Set([...prices.values()].map((price) => price.currency))].filter((currency) => currency !== billCurrency);
  return new Map(await Promise.all(foreign.map(async (currency) => [currency, await rates.rateFor(currency, billCurrency)] as const)));
}

/** The idempotency key of a usage line: one per bill, metric and filter value. */
function usageKey(metricCode: string, dimension: string): string {
  return `usage:${metricCode}:${createHash('sha256').update(dimension).digest('hex').slice(0, 24)}`;
}

/** Major-unit text with at most 10 decimals, half-even: the unit price a line shows. */
function averageUnitPrice(exactAmount: string, quantity: string): string {
  const scale = 10n ** 10n;
  const [amountInt = '0', amountFrac = ''] = exactAmount.split('.');
  const [quantityInt = '0', quantityFrac = ''] = quantity.split('.');
  const width = Math.max(amountFrac.length, quantityFrac.length);
  const a = BigInt(amountInt + amountFrac.padEnd(width, '0'));
  const q = BigInt(quantityInt + quantityFrac.padEnd(width, '0'));
  if (q === 0n) return '0';
  const numerator = a * scale;
  let quotient = numerator / q;
  const twice = 2n * (numerator % q);
  if (twice > q || (twice === q && quotient % 2n === 1n)) quotient += 1n;
  const digits = quotient.toString().padStart(11, '0');
  return `${digits.slice(0, -10)}.${digits.slice(-10)}`.replace(/0+$/, '').replace(/\.$/, '');
}

/**
 * Writes the usage lines of a bill that is being closed and returns them as stored; the caller
 * holds the bill's row lock and adds them to the totals. A line priced in another currency than
 * the bill's is converted at its recorded rate from `rates`; with none there (the price changed
 * currency after the rates were fetched) it is written at zero with the reason in its metadata,
 * as a line with no price is (docs/usage.md).
 */
export async function writeUsageLines(trx: DbTransaction, bill: ClosingBill, firstSeq: number, at: string, rates: UsageRates = new Map()): Promise<StoredLineItem[]> {
  await lockUsageExclusive(trx, bill.customerId);
  const metrics = await listMetrics(trx);
  const aggregates = await aggregateUsage(trx, {
    customerId: bill.customerId, from: bill.periodStart, to: bill.periodEnd,
    metrics: metrics.map((metric) => ({ code: metric.code, expression: aggregationSql(metric.aggregation) })),
  });
  if (aggregates.length === 0) return [];
  const prices = await effectivePrices(trx, bill.customerId);
  const byCode = new Map(metrics.map((metric) => [metric.code, metric]));
  const lines: StoredLineItem[] = [];
  const usageRows: Array<Record<string, unknown>> = [];
  for (const [index, row] of aggregates.entries()) {
    const metric = byCode.get(row.metricCode);
    if (!metric) continue;
    const quantity = canonicalQuantity(row.quantity);
    const price: StoredPrice | undefined = prices.get(row.metricCode);
    const definition = price?.definition as PriceDefinition | undefined;
    const rate = definition && definition.currency !== bill.currency ? rates.get(definition.currency) : undefined;
    const priced = definition && (definition.currency === bill.currency || rate) ? priceQuantity(definition, quantity) : undefined;
    const converted = priced && rate ? convert(priced.amount, rate.rate, bill.currency) : undefined;
    const key = usageKey(row.metricCode, row.dimension);
    const filter = describeDimension(row.dimension);
    const metadata: Record<string, string> = {
      usageMetric: row.metricCode, usageMetricVersion: String(row.metricVersion), usageEventCount: String(row.eventCount),
      ...(filter === '' ? {} : { usageFilter: filter.slice(0, 500) }),
      ...(price ? { usagePriceId: price.id, usagePriceModel: price.model } : {}),
      ...(priced === undefined ? { usageUnpriced: price ? `the price is in ${price.currency}, the bill in ${bill.currency}` : 'no price is set' } : {}),
    };
    const line: StoredLineItem = {
      id: lineItemId(bill.id, key),
      seq: firstSeq + index,
      idempotencyKey: key,
      description: (filter === '' ? metric.name : `${metric.name} (${filter})`).slice(0, 500),
      quantity,
      unitPrice: priced ? averageUnitPrice(priced.exact, quantity) : '0',
      currency: priced ? priced.amount.currency.code : bill.currency,
      amountMinor: priced ? priced.amount.minor.toString() : '0',
      convertedMinor: converted ? converted.minor.toString() : null,
      rate: converted && rate ? rate.rate : null,
      rateSource: converted && rate ? rate.source : null,
      rateAsOf: converted && rate ? rate.asOf : null,
      rateId: converted && rate ? rate.rateId : null,
      metadata,
      addedAt: at,
    };
    lines.push(line);
    usageRows.push({
      line_item_id: line.id, bill_id: bill.id, metric_code: row.metricCode, metric_version: row.metricVersion, dimension: row.dimension,
      quantity, event_count: row.eventCount, price_id: price?.id ?? null,
      price: price ? JSON.stringify({ ...price.definition, id: price.id, customerId: price.customerId }) : null,
      amount_minor: line.amountMinor,
    });
  }
  await trx('line_items').insert(lines.map((line) => ({
    id: line.id, bill_id: bill.id, seq: line.seq, idempotency_key: line.idempotencyKey, description: line.description,
    quantity: line.quantity, unit_price: line.unitPrice, currency: line.currency, amount_minor: line.amountMinor,
    converted_minor: line.convertedMinor, rate: line.rate, rate_source: line.rateSource, rate_as_of: line.rateAsOf, rate_id: line.rateId ?? null,
    metadata: JSON.stringify(line.metadata), added_at: line.addedAt,
  })));
  await trx('usage_line_items').insert(usageRows);
  return lines;
}
