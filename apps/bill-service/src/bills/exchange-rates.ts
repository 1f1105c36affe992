import { timestampDate } from '@bufbuild/protobuf/wkt';
import { Code, ConnectError, type Client } from '@connectrpc/connect';
import type { RatesService } from '@billing/contracts';
import { recordExchangeRate, type Db } from '@billing/db';
import { withRequestId } from '@billing/grpc-kit';

export interface RecordedRate {
  /** The `exchange_rates` row; the line item refers to it. */
  rateId: string;
  rate: string;
  source: string;
  asOf: string;
}

/**
 * Fetches the rate to convert `from` into `to` from the rates service and records it before it
 * is used, so the item can refer to it and the invoice can be reproduced from stored facts.
 * If the rates service cannot answer, the caller's write fails cleanly with `unavailable`, and
 * the rates client's error goes to the log as its cause.
 */
export function exchangeRates(db: Db, rates: Client<typeof RatesService>) {
  return {
    async rateFor(from: string, to: string, requestId: string): Promise<RecordedRate> {
      let answer;
      try {
        answer = await rates.getRate({ base: from, quote: to }, withRequestId(requestId));
      } catch (error) {
        const connect = ConnectError.from(error);
        if (connect.code === Code.InvalidArgument) {
          throw new ConnectError(`currency: ${connect.rawMessage}`, Code.InvalidArgument);
        }
        // The cause travels with the answer, so the server interceptor logs why, with the request id.
        throw new ConnectError(
          'exchange rates are unavailable; items in the bill currency still work', Code.Unavailable, undefined, undefined, connect,
        );
      }
      const rate = answer.rate;
      if (!rate?.asOf) throw new Error('rates service answered without a rate');
      const asOf = timestampDate(rate.asOf);
      const rateId = await recordExchangeRate(db, { base: from, quote: to, rate: rate.rate, source: rate.source, asOf });
      return { rateId, rate: rate.rate, source: rate.source, asOf: asOf.toISOString() };
    },
  };
}
