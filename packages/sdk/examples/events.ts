// Follow a customer's events as they happen; `type` tells the shape of `data`.
import { createBilling } from '@billing/sdk';

const billing = createBilling({ baseUrl: process.env.BILLING_URL ?? 'http://localhost:3000', apiKey: process.env.BILLING_API_KEY ?? '' });
const customerId = process.env.CUSTOMER_ID ?? 'cus_42';

// Resumes after the event you last handled (store event.id); without it, from the oldest event kept.
const stop = AbortSignal.timeout(Number(process.env.FOLLOW_MS ?? 60_000));
for await (const event of billing.events({ customerId, lastEventId: process.env.LAST_EVENT_ID, signal: stop })) {
  switch (event.type) {
    case 'bill.closed':
      console.log(event.id, `invoice ${event.data.invoiceNumber}: ${event.data.amountDue.amount} due`);
      break;
    case 'bill.item_added':
      console.log(event.id, `item ${event.data.description} on ${event.data.billId}`);
      break;
    case 'mandate.collection_failed':
      console.log(event.id, `cycle ${event.data.cycle} failed: ${event.data.failureReason}`);
      break;
    default:
      console.log(event.id, event.type);
  }
}
