import { create } from '@bufbuild/protobuf';
import { timestampFromDate } from '@bufbuild/protobuf/wkt';
import { afterEach, describe, expect, it } from 'vitest';
import { EventSchema, type SubscribeRequest } from '@billing/contracts';
import { ADMIN_AUTHORIZATION, buildTestGateway } from './support/in-memory-services.ts';

// The SSE framing of /v1/events/stream over an in-memory EventService: heartbeats while nothing
// happens, id/event/data lines per event, and the resume point handed to the service. The stream
// against the real bill-service (resume, order, access) is tested in tests/system.

const EVENT_ID = `evt_${'a'.repeat(32)}`;
const NEXT_ID = `evt_${'b'.repeat(32)}`;

let close: (() => Promise<void>) | undefined;
afterEach(async () => {
  await close?.();
  close = undefined;
});

async function streamingGateway(heartbeatMs: number) {
  const requests: SubscribeRequest[] = [];
  const { app } = await buildTestGateway({
    deps: { events: { heartbeatMs } },
    events: {
      async getEvent(request) {
        return { event: create(EventSchema, { id: request.id, type: 'bill.created', customerId: request.customerId, createdAt: timestampFromDate(new Date()), data: {} }) };
      },
      async *subscribe(request, context) {
        requests.push(request);
        yield {
          event: create(EventSchema, {
            id: NEXT_ID, type: 'bill.closed', customerId: request.customerId, sequence: 2n,
            createdAt: timestampFromDate(new Date('2026-11-29T06:00:00Z')), data: { id: 'bill_1', status: 'CLOSED' },
          }),
        };
        // Then nothing more happens until the client hangs up.
        await new Promise((resolve) => context.signal.addEventListener('abort', resolve, { once: true }));
      },
    },
  });
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  close = () => app.close();
  return { url, requests };
}

async function readUntil(url: string, headers: Record<string, string>, done: (text: string) => boolean): Promise<string> {
  const hangUp = new AbortController();
  const response = await fetch(url, { headers: { authorization: ADMIN_AUTHORIZATION, ...headers }, signal: hangUp.signal });
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
  let text = '';
  const decoder = new TextDecoder();
  try {
    for await (const chunk of response.body!) {
      text += decoder.decode(chunk as Uint8Array, { stream: true });
      if (done(text)) break;
    }
  } finally {
    hangUp.abort();
  }
  return text;
}

describe('GET /v1/events/stream', () => {
  it('frames each event as id, event and data lines, then sends heartbeat comments while nothing happens', async () => {
    const { url } = await streamingGateway(50);
    const text = await readUntil(`${url}/v1/events/stream?customerId=cus_1`, {}, (seen) => seen.split(': heartbeat').length > 2);
    const [event] = text.split('\n\n');
    expect(event!.split('\n')).toEqual([
      `id: ${NEXT_ID}`,
      'event: bill.closed',
      `data: ${JSON.stringify({ id: NEXT_ID, type: 'bill.closed', customerId: 'cus_1', createdAt: '2026-11-29T06:00:00.000Z', data: { id: 'bill_1', status: 'CLOSED' } })}`,
    ]);
    expect(text.split(': heartbeat').length - 1).toBeGreaterThanOrEqual(2);
  });

  it('hands the Last-Event-ID header, or the lastEventId parameter, and the types to the service as the resume point', async () => {
    const { url, requests } = await streamingGateway(15_000);
    await readUntil(`${url}/v1/events/stream?customerId=cus_1&types=bill.closed,bill.failed`, { 'last-event-id': EVENT_ID }, (seen) => seen.includes('data:'));
    await readUntil(`${url}/v1/events/stream?customerId=cus_1&lastEventId=${EVENT_ID}`, {}, (seen) => seen.includes('data:'));
    expect(requests.map((request) => [request.customerId, request.afterEventId, request.types])).toEqual([
      ['cus_1', EVENT_ID, ['bill.closed', 'bill.failed']],
      ['cus_1', EVENT_ID, []],
    ]);
  });

  it('refuses a malformed resume id or an unknown type with 400 before streaming', async () => {
    const { url } = await streamingGateway(15_000);
    const badId = await fetch(`${url}/v1/events/stream?customerId=cus_1`, { headers: { authorization: ADMIN_AUTHORIZATION, 'last-event-id': 'evt_x' } });
    expect(badId.status).toBe(400);
    const badType = await fetch(`${url}/v1/events/stream?customerId=cus_1&types=bill.deleted`, { headers: { authorization: ADMIN_AUTHORIZATION } });
    expect(badType.status).toBe(400);
  });
});
