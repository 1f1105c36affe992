import { createClient, createRouterTransport } from '@connectrpc/connect';
import { RatesService } from '@billing/contracts';
import { REQUEST_ID_HEADER } from '@billing/runtime';
import { describe, expect, it } from 'vitest';
import { forwardRequestId } from './request-id.ts';

describe('request id on the client', () => {
  it('forwards the current request id as metadata unless the call sets its own', async () => {
    const received: string[] = [];
    let current: string | undefined = 'req_outer';
    const transport = createRouterTransport(
      (router) =>
        router.service(RatesService, {
          listRates(request, context) {
            received.push(context.requestHeader.get(REQUEST_ID_HEADER) ?? 'none');
            return { base: request.base };
          },
        }),
      { transport: { interceptors: [forwardRequestId(() => current)] } },
    );
    const client = createClient(RatesService, transport);
    await client.listRates({});
    await client.listRates({}, { headers: { [REQUEST_ID_HEADER]: 'req_explicit' } });
    current = undefined;
    await client.listRates({});
    expect(received).toEqual(['req_outer', 'req_explicit', 'none']);
  });
});
