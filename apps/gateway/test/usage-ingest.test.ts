import { create } from '@bufbuild/protobuf';
import { Code, ConnectError, createClient, createRouterTransport } from '@connectrpc/connect';
import { describe, expect, it } from 'vitest';
import { IngestStatus, UsageEventSchema, UsageService, type UsageEvent } from '@billing/contracts';
import type { CallingRequest } from '../src/clients.ts';
import { usageIngester } from '../src/usage-ingest.ts';

// How the gateway coalesces small usage-event requests into Ingest calls, against a UsageService
// over Connect's in-memory router that records every call and its deadline. The service refuses
// a whole call with invalid_argument when one of its events names the metric `poison`, as a real
// service would refuse a call it cannot take, and answers `unavailable` for the metric `down`.

interface Recorded {
  transactionIds: string[];
  timeoutMs: number | undefined;
  keyId: string | null;
}

function recordingService(options: { delayMs?: number } = {}) {
  const calls: Recorded[] = [];
  const transport = createRouterTransport(({ service }) => {
    service(UsageService, {
      async ingest(request, context) {
        calls.push({
          transactionIds: request.events.map((event) => event.transactionId),
          timeoutMs: context.timeoutMs(),
          keyId: context.requestHeader.get('x-billing-key-id'),
        });
        await new Promise((resolve) => setTimeout(resolve, options.delayMs ?? 5));
        if (request.events.some((event) => event.metric === 'poison')) throw new ConnectError('a poisoned event', Code.InvalidArgument);
        if (request.events.some((event) => event.metric === 'down')) throw new ConnectError('down', Code.Unavailable);
        return {
          results: request.events.map((event) => ({
            transactionId: event.transactionId,
            status: event.metric === 'unknown' ? IngestStatus.REJECTED : IngestStatus.ACCEPTED,
            reason: event.metric === 'unknown' ? 'metric unknown is not defined' : '',
          })),
        };
      },
    });
  });
  return { calls, client: createClient(UsageService, transport) };
}

const usageEvent = (transactionId: string, metric = 'calls'): UsageEvent =>
  create(UsageEventSchema, { transactionId, customerId: 'cus_1', metric, timestamp: new Date().toISOString() });

function callingRequest(id: string, keyId = 'key_a'): CallingRequest {
  return { id, signal: new AbortController().signal, caller: { keyId, customerId: null, rateLimitPerMinute: 1_000 } };
}

const stillThere = () => false;

describe('usage ingester', () => {
  it('sends a lone request at once, then the requests that arrived meanwhile in one call, each answered with its own results', async () => {
    const { calls, client } = recordingService();
    const ingest = usageIngester(client, 10_000);
    const answers = await Promise.all(Array.from({ length: 20 }, (_, index) =>
      ingest(index === 7 ? [usageEvent('t7a'), usageEvent('t7b', 'unknown')] : [usageEvent(`t${index}`)], callingRequest(`r${index}`), stillThere)));
    expect(calls.map((call) => call.transactionIds.length)).toEqual([1, 20]);
    answers.forEach((results, index) => {
      if (index === 7) {
        expect(results.map((result) => [result.transactionId, result.status])).toEqual([['t7a', IngestStatus.ACCEPTED], ['t7b', IngestStatus.REJECTED]]);
      } else {
        expect(results.map((result) => result.transactionId)).toEqual([`t${index}`]);
      }
    });
    // The deadline of a coalesced call is what is left of its requests' own.
    expect(calls.every((call) => call.timeoutMs !== undefined && call.timeoutMs <= 10_000 && call.timeoutMs > 9_000)).toBe(true);
  });

  it('never mixes two callers in one call, nor puts more than 1,000 events in one', async () => {
    const { calls, client } = recordingService();
    const ingest = usageIngester(client, 10_000);
    await Promise.all([
      ...Array.from({ length: 30 }, (_, index) => ingest(
        Array.from({ length: 90 }, (_, event) => usageEvent(`a${index}-${event}`)), callingRequest(`a${index}`, 'key_a'), stillThere)),
      ...Array.from({ length: 5 }, (_, index) => ingest([usageEvent(`b${index}`)], callingRequest(`b${index}`, 'key_b'), stillThere)),
    ]);
    for (const call of calls) {
      expect(call.transactionIds.length).toBeLessThanOrEqual(1_000);
      expect(new Set(call.transactionIds.map((id) => id[0]))).toEqual(new Set([call.keyId === 'key_a' ? 'a' : 'b']));
    }
    expect(calls.flatMap((call) => call.transactionIds)).toHaveLength(30 * 90 + 5);
    expect(calls.filter((call) => call.keyId === 'key_a').length).toBeLessThan(30);
  });

  it('does not let a request whose events the service refuses fail the others of its call', async () => {
    const { calls, client } = recordingService();
    const ingest = usageIngester(client, 10_000);
    const settled = await Promise.allSettled(Array.from({ length: 6 }, (_, index) =>
      ingest([usageEvent(`p${index}`, index === 3 ? 'poison' : 'calls')], callingRequest(`r${index}`), stillThere)));
    expect(settled.map((one) => one.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
    expect((settled[3] as PromiseRejectedResult).reason).toMatchObject({ code: Code.InvalidArgument });
    expect((settled[4] as PromiseFulfilledResult<Array<{ transactionId: string }>>).value.map((result) => result.transactionId)).toEqual(['p4']);
    // The coalesced call was refused, so its requests went again one by one.
    expect(calls.map((call) => call.transactionIds)).toEqual([['p0'], ['p1', 'p2', 'p3', 'p4', 'p5'], ['p1'], ['p2'], ['p3'], ['p4'], ['p5']]);
  });

  it('fails every request of a call the service could not take at all, without sending them again', async () => {
    const { calls, client } = recordingService();
    const ingest = usageIngester(client, 10_000);
    const settled = await Promise.allSettled(Array.from({ length: 4 }, (_, index) =>
      ingest([usageEvent(`d${index}`, index === 2 ? 'down' : 'calls')], callingRequest(`r${index}`), stillThere)));
    expect(settled.map((one) => one.status)).toEqual(['fulfilled', 'rejected', 'rejected', 'rejected']);
    expect(settled.slice(1).map((one) => (one as PromiseRejectedResult).reason.code)).toEqual([Code.Unavailable, Code.Unavailable, Code.Unavailable]);
    expect(calls).toHaveLength(2);
  });

  it('does not send a request whose client left or whose deadline passed while it waited', async () => {
    const { calls, client } = recordingService({ delayMs: 60 });
    const ingest = usageIngester(client, 40);
    let gone = false;
    const first = ingest([usageEvent('first')], callingRequest('r0'), stillThere);
    const left = ingest([usageEvent('left')], callingRequest('r1'), () => gone);
    gone = true;
    const late = ingest([usageEvent('late')], callingRequest('r2'), stillThere);
    const settled = await Promise.allSettled([first, left, late]);
    // The first call outlived its 40 ms deadline, and so did the request that waited behind it; the
    // one whose client left is answered without being sent.
    expect(settled.map((one) => (one.status === 'rejected' ? (one.reason as ConnectError).code : 'ok'))).toEqual([
      Code.DeadlineExceeded, Code.Canceled, Code.DeadlineExceeded,
    ]);
    expect(calls[0]?.transactionIds).toEqual(['first']);
    expect(calls.flatMap((call) => call.transactionIds)).not.toContain('left');
  });

  it('sends a request of more than 100 events alone, on its own deadline', async () => {
    const { calls, client } = recordingService();
    const ingest = usageIngester(client, 10_000);
    const big = Array.from({ length: 101 }, (_, index) => usageEvent(`big${index}`));
    await Promise.all([ingest([usageEvent('s0')], callingRequest('r0'), stillThere), ingest(big, callingRequest('r1'), stillThere)]);
    expect(calls.map((call) => call.transactionIds.length).sort((a, b) => a - b)).toEqual([1, 101]);
  });
});
