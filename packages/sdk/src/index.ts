// @billing/sdk: the generated operations and types (src/gen), and the hand-written parts around them.
import { createFetchClient, type BillingClientOptions } from './client.ts';
import { streamEvents, type EventStreamOptions } from './events.ts';
import { BillingApi } from './gen/sdk.gen.ts';
import type { Event } from './gen/types.gen.ts';

export { BillingApiError, createBillingApi, createFetchClient, retryAfterMs, retryingFetch, type BillingClientOptions } from './client.ts';
export { streamEvents, type EventStreamOptions } from './events.ts';
export { paginate, type Page } from './pages.ts';
export { verifyWebhook, WebhookVerificationError, type WebhookHeaders } from './webhooks.ts';
export { BillingApi } from './gen/sdk.gen.ts';
export type * from './gen/types.gen.ts';

/** The API, its event stream and nothing else to configure: `const billing = createBilling({ baseUrl, apiKey })`. */
export interface Billing {
  /** Every operation, e.g. `billing.api.createBill({ path, body })`, resolving to `{ data, response }`. */
  api: BillingApi;
  /** A customer's events as they happen, resuming by itself: `for await (const event of billing.events({ customerId }))`. */
  events(options: EventStreamOptions): AsyncGenerator<Event, void, undefined>;
}

export function createBilling(options: BillingClientOptions): Billing {
  return {
    api: new BillingApi({ client: createFetchClient(options) }),
    events: (streamOptions) => streamEvents(options, streamOptions),
  };
}
