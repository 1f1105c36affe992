// Who may call which route, as data: one line per route pattern. A route the table does not
// name is platform-only, so a new route is closed until someone opens it here on purpose.

export type Access =
  /** No key needed (probes, the API description). */
  | { kind: 'public' }
  /** Any valid key, platform or customer. */
  | { kind: 'any-key' }
  /** A customer key only when the path parameter `param` is its own customer. */
  | { kind: 'customer-path'; param: string }
  /**
   * A customer key only when the query parameter `param` is its own customer; with `ownWhenAbsent`
   * it may also leave it out, and the route then acts for the key's own customer.
   */
  | { kind: 'customer-query'; param: string; ownWhenAbsent?: true }
  /** A customer key only when the body field `field` is its own customer (`ownWhenAbsent`: or absent, as above). */
  | { kind: 'customer-body'; field: string; ownWhenAbsent?: true }
  /** Platform keys only. */
  | { kind: 'platform' };

const PUBLIC: Access = { kind: 'public' };
const ANY_KEY: Access = { kind: 'any-key' };
const PLATFORM: Access = { kind: 'platform' };
const CUSTOMER_PATH: Access = { kind: 'customer-path', param: 'customerId' };
const CUSTOMER_QUERY: Access = { kind: 'customer-query', param: 'customerId' };

/**
 * Route patterns as Fastify spells them (`:param` is one segment, a trailing `/*` any rest of the
 * path), first match wins. Add a route family by adding its line.
 */
export const ACCESS_RULES: ReadonlyArray<readonly [pattern: string, access: Access]> = [
  ['/healthz', PUBLIC],
  ['/readyz', PUBLIC],
  ['/openapi.json', PUBLIC],
  ['/docs', PUBLIC],
  ['/docs/*', PUBLIC],
  // A customer's price is the platform's to set, even though its path names the customer.
  ['/v1/customers/:customerId/prices/:metricCode', PLATFORM],
  // Crediting an invoice is the platform's decision: a customer key may read one of its credit
  // notes and their documents (the customer rule below), but not issue, void or list them
  // (issuing and listing share one route pattern).
  ['/v1/customers/:customerId/bills/:billingPeriod/credit-notes', PLATFORM],
  ['/v1/customers/:customerId/bills/:billingPeriod/credit-notes/:creditNoteId/void', PLATFORM],
  ['/v1/customers/:customerId', CUSTOMER_PATH],
  ['/v1/customers/:customerId/*', CUSTOMER_PATH],
  ['/v1/rates', ANY_KEY],
  ['/v1/rates/*', ANY_KEY],
  // Money leaves the wallet of `fromCustomerId`: a customer key may only move its own.
  ['/v1/transfers', { kind: 'customer-body', field: 'fromCustomerId' }],
  // Events: a customer key lists and streams only its own customer's (it must name it), and gets
  // one event by id only if it is its own (bill-service answers not_found otherwise).
  ['/v1/events', CUSTOMER_QUERY],
  ['/v1/events/stream', CUSTOMER_QUERY],
  ['/v1/events/:eventId', ANY_KEY],
  // Webhook endpoints: a customer key lists (and, by its route's own rule, creates) only its own
  // customer's, which is the default when it names none; one endpoint by id is reachable only if
  // it is its customer's (bill-service answers not_found otherwise).
  ['/v1/webhook-endpoints', { kind: 'customer-query', param: 'customerId', ownWhenAbsent: true }],
  ['/v1/webhook-endpoints/*', ANY_KEY],
  // Usage events: any key may send them; a customer key's events for another customer are
  // rejected one by one by bill-service, the others of the batch still stored.
  ['/v1/usage-events', ANY_KEY],
  ['/v1/api-keys', PLATFORM],
  ['/v1/api-keys/*', PLATFORM],
  ['/v1/ledger/*', PLATFORM],
  // Steers the simulated payment provider for every customer: an operator's tool.
  ['/v1/payment-simulator/*', PLATFORM],
];

function matches(pattern: string, url: string): boolean {
  if (pattern.endsWith('/*')) {
    const base = pattern.slice(0, -2);
    return url.startsWith(`${base}/`) && url.length > base.length + 1;
  }
  return pattern === url;
}

/** The access rule of a route, by its URL pattern; platform-only when no rule names it. */
export function accessFor(url: string, rules = ACCESS_RULES): Access {
  return rules.find(([pattern]) => matches(pattern, url))?.[1] ?? PLATFORM;
}
