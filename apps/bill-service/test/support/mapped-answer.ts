// What a caller of the real server interceptor is told when a handler throws `error`, with the
// mappers a test names: one unary call on an in-memory service (its contract is just a vehicle).
import { createClient, createRouterTransport } from '@connectrpc/connect';
import { BillService, MandateService } from '@billing/contracts';
import { serverInterceptor, type ErrorMapper } from '@billing/grpc-kit';
import { failureOf, recordingLogger } from '@billing/grpc-kit/testing';
import { REQUEST_ID_HEADER } from '@billing/runtime';

export const TEST_REQUEST_ID = 'req_mapping_test';

const failing = (error: unknown) => () => {
  throw error;
};

/** `service`: which served service the call goes to (its own mappers come first, as on the real server). */
export async function answerTo(
  error: unknown,
  { serviceMappers = [], serverMappers = [], service = 'bills' }: {
    serviceMappers?: readonly ErrorMapper[]; serverMappers?: readonly ErrorMapper[]; service?: 'bills' | 'mandates';
  },
) {
  const logger = recordingLogger();
  const contract = service === 'bills' ? BillService : MandateService;
  const transport = createRouterTransport((router) => {
    router.service(BillService, { getBill: failing(error) });
    router.service(MandateService, { getMandate: failing(error) });
  }, {
    router: {
      interceptors: [serverInterceptor({
        logger, errorMappers: serverMappers, serviceErrorMappers: new Map([[contract.typeName, serviceMappers]]),
      })],
    },
  });
  const headers = { [REQUEST_ID_HEADER]: TEST_REQUEST_ID };
  const call = service === 'bills'
    ? createClient(BillService, transport).getBill({ customerId: 'cus_1', billingPeriod: '2030-01' }, { headers })
    : createClient(MandateService, transport).getMandate({ customerId: 'cus_1', mandateId: 'mnd_1' }, { headers });
  const failure = await failureOf(call);
  const logged = logger.lines.find((line) => line.level !== 'info');
  return { code: failure.code, message: failure.rawMessage, logged };
}
