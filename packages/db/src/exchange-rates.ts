import { randomUUID } from 'node:crypto';
import type { Db, DbTransaction } from './connection.ts';

/** A rate as the rates service answered it: `1 base = rate quote`, from `source`, as of `asOf`. */
export interface RateFact {
  base: string;
  quote: string;
  rate: string;
  source: string;
  asOf: Date;
}

/**
 * Records a rate before it is used and returns its `exchange_rates` row id, so what it priced can
 * refer to it and be reproduced from stored facts. Rows are immutable: the same fact seen again
 * is the same row.
 */
export async function recordExchangeRate(db: Db | DbTransaction, fact: RateFact): Promise<string> {
  const row = { base: fact.base, quote: fact.quote, rate: fact.rate, source: fact.source, as_of: fact.asOf };
  const inserted = await db('exchange_rates')
    .insert({ id: `rate_${randomUUID().replaceAll('-', '')}`, ...row })
    .onConflict(['base', 'quote', 'rate', 'source', 'as_of']).ignore()
    .returning('id') as Array<{ id: string }>;
  const found = inserted[0] ?? await db('exchange_rates').where(row).first('id') as { id: string } | undefined;
  if (!found) throw new Error('exchange rate was neither inserted nor found');
  return found.id;
}
