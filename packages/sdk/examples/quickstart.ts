// Open a bill, add items, close it and read what is owed; then page through every bill.
import { BillingApiError, createBilling, paginate } from '@billing/sdk';

const billing = createBilling({ baseUrl: process.env.BILLING_URL ?? 'http://localhost:3000', apiKey: process.env.BILLING_API_KEY ?? '' });
const customerId = process.env.CUSTOMER_ID ?? 'cus_42';
const billingPeriod = process.env.BILLING_PERIOD ?? '2031-02';

await billing.api.createBill({ path: { customerId }, body: { currency: 'USD', billingPeriod } });
// An item is either an amount, or a quantity and a unit price (the types allow nothing else).
await billing.api.addLineItem({ path: { customerId, billingPeriod }, body: { description: 'Setup fee', amount: '10.50' } });
await billing.api.addLineItem({
  path: { customerId, billingPeriod },
  body: { description: 'API calls', quantity: '1200', unitPrice: '0.0025' },
  // Optional: the SDK sends a fresh key with every POST; give your own to retry across restarts.
  headers: { 'idempotency-key': `${customerId}-${billingPeriod}-api-calls` },
});

const { data: closing } = await billing.api.closeBill({ path: { customerId, billingPeriod } });
let bill = closing;
while (bill.status === 'CLOSING') {
  await new Promise((resolve) => setTimeout(resolve, 200));
  bill = (await billing.api.getBill({ path: { customerId, billingPeriod } })).data;
}
console.log(`${bill.invoiceNumber}: ${bill.amountDue.amount} ${bill.amountDue.currency} due`);

for await (const summary of paginate((cursor) => billing.api.listBills({ path: { customerId }, query: { cursor } }))) {
  console.log(summary.billingPeriod, summary.status, summary.total.amount);
}

try {
  await billing.api.getBill({ path: { customerId, billingPeriod: '2099-12' } });
} catch (error) {
  if (!(error instanceof BillingApiError)) throw error;
  console.log(`${error.status} ${error.code}`); // 404 not_found
}
