import { randomUUID } from 'node:crypto';
import { inject } from 'vitest';

// A thin client of the gateway's bill routes for the system tests.

export const gateway = inject('gatewayUrl');
/** The stack's platform key, as `Authorization` header value. */
export const ADMIN = `Bearer ${inject('adminApiKey')}`;

export interface Money {
  amount: string;
  currency: string;
}

export interface LineItem {
  id: string;
  idempotencyKey: string;
  description: string;
  quantity: string;
  unitPrice: Money;
  amount: Money;
  metadata: Record<string, string>;
}

export interface Bill {
  id: string;
  customerId: string;
  billingPeriod: string;
  currency: string;
  status: string;
  items?: LineItem[];
  itemCount: number;
  total: Money;
  invoiceNumber: string | null;
  closedAt: string | null;
}

export interface Answer<T = unknown> {
  status: number;
  text: string;
  json: T;
  headers: Headers;
}

/** A customer id no other test uses. */
export function newCustomer(label: string): string {
  return `sys-${label}-${randomUUID().slice(0, 8)}`;
}

/** A billing period `monthsAhead` months after the current UTC month: never ended, whatever the time zone. */
export function futurePeriod(monthsAhead = 2): string {
  const now = new Date();
  const month = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + monthsAhead, 1));
  return `${month.getUTCFullYear()}-${String(month.getUTCMonth() + 1).padStart(2, '0')}`;
}

export async function call<T = Record<string, unknown>>(
  method: string,
  path: string,
  options: {
    body?: unknown; rawBody?: string; key?: string; authorization?: string;
    /** Another gateway (say, a load balancer in front of several), and headers for it. */
    baseUrl?: string; headers?: Record<string, string>;
  } = {},
): Promise<Answer<T>> {
  const headers: Record<string, string> = { ...options.headers, authorization: options.authorization ?? ADMIN };
  const body = options.rawBody ?? (options.body === undefined ? undefined : JSON.stringify(options.body));
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (options.key !== undefined) headers['idempotency-key'] = options.key;
  const response = await fetch(`${options.baseUrl ?? gateway}${path}`, { method, headers, body });
  const text = await response.text();
  return { status: response.status, text, json: (text === '' ? undefined : JSON.parse(text)) as T, headers: response.headers };
}

export function billPath(customerId: string, period: string): string {
  return `/v1/customers/${customerId}/bills/${period}`;
}

export async function createBill(customerId: string, period: string, currency = 'USD'): Promise<Bill> {
  const answer = await call<Bill>('POST', `/v1/customers/${customerId}/bills`, { body: { currency, billingPeriod: period } });
  if (answer.status !== 201) throw new Error(`create bill answered ${answer.status}: ${answer.text}`);
  return answer.json;
}
