// The gateway's bill routes as the benchmark calls them: plain fetch (Node's undici keeps the
// connections alive), status codes as outcomes, nothing retried.
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
  const billsOf = (customerId: string) => `${gatewayUrl}/v1/customers/${encodeURIComponent(customerId)}/bills`;

  async function answer(response: Response): Promise<Outcome> {
    // Read the body either way, so the connection goes back to the pool.
    await response.arrayBuffer();
    return response.status === 201 ? { ok: true } : { ok: false, reason: `HTTP ${response.status}` };
  }

  return {
    async createBill(customerId: string, billingPeriod: string): Promise<Outcome> {
      return answer(await fetch(billsOf(customerId), {
        method: 'POST',
        headers: { authorization, 'content-type': 'application/json' },
        body: JSON.stringify({ currency: 'USD', billingPeriod }),
      }));
    },

    async addItem(item: BenchItem): Promise<Outcome> {
      return answer(await fetch(`${billsOf(item.customerId)}/${item.billingPeriod}/items`, {
        method: 'POST',
        headers: { authorization, 'content-type': 'application/json', 'idempotency-key': item.idempotencyKey },
        body: JSON.stringify({ description: item.description, amount: item.amount }),
      }));
    },

    async getBill(customerId: string, billingPeriod: string): Promise<BillTotals> {
      const response = await fetch(`${billsOf(customerId)}/${billingPeriod}`, { headers: { authorization } });
      const text = await response.text();
      if (response.status !== 200) throw new Error(`GET bill ${customerId}/${billingPeriod} answered ${response.status}: ${text}`);
      return JSON.parse(text) as BillTotals;
    },
  };
}

export type GatewayClient = ReturnType<typeof gatewayClient>;
