// The port a bill's close gets exchange rates through, for usage priced in another currency than
// the bill's, and its gRPC implementation over the rates service. Each rate is recorded in
// `exchange_rates` before it is used, as bill-service does for items, so a usage line refers to
// a stored fact.
import { timestampDate } from '@bufbuild/protobuf/wkt';
import { createClient, type Transport } from '@connectrpc/connect';
import type { ExchangeRateView } from '@billing/bills';
import { RatesService } from '@billing/contracts';
import { recordExchangeRate, type Db } from '@billing/db';

export interface ExchangeRatePort {
  /** `1 from = rate to`, recorded; rejects when no rate can be had (the close is then retried). */
  rateFor(from: string, to: string): Promise<ExchangeRateView & { rateId: string }>;
}

export function grpcExchangeRates(transport: Transport, db: Db): ExchangeRatePort {
  const rates = createClient(RatesService, transport);
  return {
    async rateFor(from, to) {
      const { rate } = await rates.getRate({ base: from, quote: to });
      if (!rate?.asOf) throw new Error(`the rates service answered ${from}/${to} without a rate`);
      const asOf = timestampDate(rate.asOf);
      const rateId = await recordExchangeRate(db, { base: from, quote: to, rate: rate.rate, source: rate.source, asOf });
      return { rateId, rate: rate.rate, source: rate.source, asOf: asOf.toISOString() };
    },
  };
}
