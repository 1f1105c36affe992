// Receive webhooks: verify each delivery's signature and get its event, typed.
import { createServer } from 'node:http';
import { createBilling, verifyWebhook, WebhookVerificationError } from '@billing/sdk';

const billing = createBilling({ baseUrl: process.env.BILLING_URL ?? 'http://localhost:3000', apiKey: process.env.BILLING_API_KEY ?? '' });
const customerId = process.env.CUSTOMER_ID ?? 'cus_42';
const port = Number(process.env.PORT ?? 8787);

const server = createServer((request, response) => {
  let body = '';
  request.setEncoding('utf8');
  request.on('data', (chunk: string) => (body += chunk));
  request.on('end', () => {
    try {
      // The body exactly as received: a parsed and re-serialised body would not match its signature.
      const event = verifyWebhook(body, request.headers, secret);
      if (event.type === 'bill.created') console.log(`bill ${event.data.id} opened for ${event.data.billingPeriod}`);
      else console.log(event.type);
      response.writeHead(204).end();
      server.close();
    } catch (error) {
      if (!(error instanceof WebhookVerificationError)) throw error;
      response.writeHead(400).end();
    }
  });
});
await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));

// The secret is shown once, when the endpoint is created: keep it with your receiver.
const { data: endpoint } = await billing.api.createWebhookEndpoint({
  body: { url: `http://127.0.0.1:${port}/billing-webhooks`, events: ['bill.created'], customerId },
});
const secret = endpoint.secret;
await billing.api.createBill({ path: { customerId }, body: { currency: 'EUR', billingPeriod: process.env.BILLING_PERIOD ?? '2031-03' } });
