import { Code, ConnectError } from '@connectrpc/connect';
import { describe, expect, inject, it } from 'vitest';
import { BillService } from '@billing/contracts';
import { createGrpcClient } from '@billing/grpc-kit';
import { billPath, call, createBill, futurePeriod, newCustomer, type Bill, type LineItem } from './bills-api.ts';

const ITEMS = 10_000;
// A busy producer: with this many adds in flight, bill-service sends them to the workflow in large
// batches (group commit, two batches in flight per bill), so each item costs the worker and
// Temporal a smaller share of an Update than with a few dozen in flight.
const CONCURRENCY = 160;
// Answers that had no effect or whose effect is unknown: a client retries them with the same
// idempotency key, which the bill deduplicates, so the count must still come out exact.
const RETRYABLE = new Set([Code.Unavailable, Code.DeadlineExceeded, Code.ResourceExhausted]);

// The items go in over bill-service's gRPC API, as a service-to-service producer sends them: what
// is under test is the bill (its workflow across continue-as-new, its read model, its close), and
// the gateway in front of an add is tested on its own. Reading the bill, listing its items and
// closing it go through the gateway.

describe('a large bill through the real stack', () => {
  it(`takes ${ITEMS} items with the count and total exact, none lost or doubled`, async () => {
    const customer = newCustomer('large');
    const period = futurePeriod();
    const path = billPath(customer, period);
    await createBill(customer, period);
    const bills = createGrpcClient(BillService, `http://${inject('billServiceAddress')}`, { timeoutMs: 30_000, serviceCredential: inject('serviceToken') });

    let next = 0;
    let retries = 0;
    const failures: string[] = [];
    const started = performance.now();
    const sender = async () => {
      for (let index = next++; index < ITEMS; index = next++) {
        for (let attempt = 0; ; attempt += 1) {
          try {
            await bills.addLineItem({
              customerId: customer, billingPeriod: period, idempotencyKey: `${customer}-${index}`,
              description: `usage ${index}`, amount: '0.01',
            });
            break;
          } catch (error) {
            const failure = ConnectError.from(error);
            if (!RETRYABLE.has(failure.code) || attempt >= 5) {
              failures.push(`item ${index}: ${Code[failure.code]} ${failure.rawMessage.slice(0, 200)}`);
              break;
            }
            retries += 1;
          }
        }
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, sender));
    const seconds = (performance.now() - started) / 1000;
    console.info(`${ITEMS} items into one bill in ${seconds.toFixed(1)} s: ${(ITEMS / seconds).toFixed(1)} items/s, ${retries} retries`);
    expect(failures).toEqual([]);

    const bill = (await call<Bill>('GET', path)).json;
    expect(bill.itemCount).toBe(ITEMS);
    expect(bill.total).toEqual({ amount: '100.00', currency: 'USD' });
    expect(bill.items).toHaveLength(ITEMS);

    // Every key exactly once across the pages of the item list.
    const keys = new Set<string>();
    let cursor: string | null = null;
    let listed = 0;
    do {
      const query: string = cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`;
      const page = await call<{ items: LineItem[]; nextCursor: string | null }>('GET', `${path}/items?limit=200${query}`);
      for (const item of page.json.items) keys.add(item.idempotencyKey);
      listed += page.json.items.length;
      cursor = page.json.nextCursor;
    } while (cursor !== null);
    expect(listed).toBe(ITEMS);
    expect(keys.size).toBe(ITEMS);

    // Invoicing 10,000 lines (the number, the ledger entry, the documents) may outlast the close
    // request's wait on a loaded machine: then the answer is 202 CLOSING and the bill closes anyway.
    const closing = await call<Bill>('POST', `${path}/close`);
    expect([200, 202]).toContain(closing.status);
    let closed = closing.json;
    for (const started = Date.now(); closed.status === 'CLOSING' && Date.now() - started < 5 * 60_000;) {
      await new Promise((resolve) => setTimeout(resolve, 500));
      closed = (await call<Bill>('GET', path)).json;
    }
    expect(closed).toMatchObject({ status: 'CLOSED', itemCount: ITEMS, total: { amount: '100.00', currency: 'USD' } });
  }, 30 * 60_000);
});
