import { timestampDate, timestampFromDate } from '@bufbuild/protobuf/wkt';
import { Code, ConnectError, type HandlerContext, type ServiceImpl } from '@connectrpc/connect';
import { RatesService } from '@billing/contracts';
import { requestIdOf, serve, type GrpcLogger, type ServedService } from '@billing/grpc-kit';
import { RateProviderUnavailableError, RatesNotPublishedError } from './providers/port.ts';
import { DEFAULT_LIST_BASE, UnknownCurrencyError, UnsupportedCurrencyError, type Rates } from './rates.ts';

export interface RatesServiceDeps {
  rates: Rates;
  logger: GrpcLogger;
}

/** rates.v1.RatesService over the rates domain; its dependencies are passed in. */
export function createRatesServiceImpl({ rates, logger }: RatesServiceDeps): ServiceImpl<typeof RatesService> {
  const fail = (error: unknown, context: HandlerContext) => toConnectError(error, logger, requestIdOf(context));
  return {
    async getRate(request, context) {
      try {
        const at = request.at === undefined ? undefined : timestampDate(request.at);
        const rate = await rates.getRate(request.base, request.quote, at);
        return { rate: { ...rate, asOf: timestampFromDate(rate.asOf) } };
      } catch (error) {
        throw fail(error, context);
      }
    },
    async listRates(request, context) {
      try {
        const table = await rates.listRates(request.base === '' ? DEFAULT_LIST_BASE : request.base);
        return {
          base: table.base,
          asOf: timestampFromDate(table.asOf),
          source: table.source,
          rates: Object.fromEntries(table.rates),
        };
      } catch (error) {
        throw fail(error, context);
      }
    },
  };
}

export function ratesService(deps: RatesServiceDeps): ServedService {
  return serve(RatesService, createRatesServiceImpl(deps));
}

/**
 * The one place rates-domain errors become Connect codes. Anything not listed is rethrown for
 * grpc-kit, which logs it and answers a bare `internal`.
 */
export function toConnectError(error: unknown, logger: GrpcLogger, requestId: string): unknown {
  if (error instanceof UnknownCurrencyError || error instanceof UnsupportedCurrencyError || error instanceof RatesNotPublishedError) {
    return new ConnectError(error.message, Code.InvalidArgument);
  }
  if (error instanceof RateProviderUnavailableError) {
    // The provider's own words may name hosts or keys: they go to the log, not to the caller.
    logger.warn({ requestId, err: { message: error.message } }, 'rates provider unavailable');
    return new ConnectError('exchange rates are unavailable right now', Code.Unavailable);
  }
  return error;
}
