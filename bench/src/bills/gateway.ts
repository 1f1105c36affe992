// The gateway's bill routes as the benchmark calls them: node:http over keep-alive connections
// (../http-client.ts; `fetch` costs the load generator several times the CPU), status codes as
// outcomes, nothing retried.
import { jsonClient } from '../http-client.ts';
import type { Outcome } from './load.ts';

export interface BenchItem {
  customerId: string;
  billingPeriod: string;
  idempotencyKey: string;
  description: string;
  /** Decimal string, bill currency. */
  amount: string;
}

export interface BillTotals {
  itemCount: number;
  total: { amount: string; currency: string };
  status: string;
}

export function gatewayClient(gatewayUrl: string, adminApiKey: string) {
  const authorization = `Bearer ${adminApiKey}`;
  // One keep-alive connection per concurrent client at most (the loads use up to 32).
  const http = jsonClient(gatewayUrl, 64);
  const billsOf = (customerId: string) => `/v1/customers/${encodeURIComponent(customerId)}/bills`;
  const outcome = ({ status }: { status: number }): Outcome => (status === 201 ? { ok: true } : { ok: false, reason: `HTTP ${status}` });

  return {
    async createBill(customerId: string, billingPeriod: string): Promise<Outcome> {
      return outcome(await http.post(billsOf(customerId), { currency: 'USD', billingPeriod }, { authorization }));
    },

    async addItem(item: BenchItem): Promise<Outcome> {
      return outcome(await http.post(`${billsOf(item.customerId)}/${item.billingPeriod}/items`,
        { description: item.description, amount: item.amount }, { authorization, 'idempotency-key': item.idempotencyKey }));
    },

    async getBill(customerId: string, billingPeriod: string): Promise<BillTotals> {
      const { status, body } = await http.get(`${billsOf(customerId)}/${billingPeriod}`, { authorization });
      if (status !== 200) throw new Error(`GET bill ${customerId}/${billingPeriod} answered ${status}: ${JSON.stringify(body)}`);
      return body as BillTotals;
    },

    close: () => http.close(),
  };
}

export type GatewayClient = ReturnType<typeof gatewayClient>;
