import { timestampDate, timestampFromDate } from '@bufbuild/protobuf/wkt';
import { Code, type ServiceImpl } from '@connectrpc/connect';
import { RatesService } from '@billing/contracts';
import { serve, type ErrorMapper, type ServedService } from '@billing/grpc-kit';
import { RateProviderUnavailableError, RatesNotPublishedError } from './providers/port.ts';
import { DEFAULT_LIST_BASE, NonFiatUnitError, UnknownCurrencyError, UnsupportedCurrencyError, type Rates } from './rates.ts';

export interface RatesServiceDeps {
  rates: Rates;
}

/** rates.v1.RatesService over the rates domain; its dependencies are passed in. */
export function createRatesServiceImpl({ rates }: RatesServiceDeps): ServiceImpl<typeof RatesService> {
  return {
    async getRate(request) {
      const at = request.at === undefined ? undefined : timestampDate(request.at);
      const rate = await rates.getRate(request.base, request.quote, at);
      return { rate: { ...rate, asOf: timestampFromDate(rate.asOf) } };
    },
    async listRates(request) {
      const table = await rates.listRates(request.base === '' ? DEFAULT_LIST_BASE : request.base);
      return {
        base: table.base,
        asOf: timestampFromDate(table.asOf),
        source: table.source,
        rates: Object.fromEntries(table.rates),
      };
    },
  };
}

export function ratesService(deps: RatesServiceDeps): ServedService {
  return serve(RatesService, createRatesServiceImpl(deps));
}

/**
 * What the rates domain's errors mean to callers; grpc-kit's server interceptor applies it to
 * every call. Anything not listed is logged there and answered with a bare `internal`.
 */
export const ratesErrors: ErrorMapper = (error) => {
  if (
    error instanceof UnknownCurrencyError || error instanceof NonFiatUnitError || error instanceof UnsupportedCurrencyError ||
    error instanceof RatesNotPublishedError
  ) {
    return { code: Code.InvalidArgument, message: error.message };
  }
  // The provider's own words may name hosts or keys: they reach the log (as the cause the
  // interceptor records with the request id), never the caller.
  if (error instanceof RateProviderUnavailableError) {
    return { code: Code.Unavailable, message: 'exchange rates are unavailable right now' };
  }
  return undefined;
};
