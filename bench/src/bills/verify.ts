// After a load: every bill in the read model (read back through the gateway) must hold exactly
// the items that were answered with success: none lost, none doubled.
import type { GatewayClient } from './gateway.ts';
import { runLoad } from './load.ts';
import type { ExpectedBill } from './plan.ts';

export interface Verification {
  exact: boolean;
  /** First few mismatches, for the report. */
  problems: string[];
}

export async function verifyBills(gateway: GatewayClient, expected: readonly ExpectedBill[]): Promise<Verification> {
  const problems: string[] = [];
  const result = await runLoad(expected, 16, async ({ key, itemCount, total }) => {
    const bill = await gateway.getBill(key.customerId, key.billingPeriod);
    if (bill.itemCount === itemCount && bill.total.amount === total) return { ok: true };
    problems.push(`${key.customerId}: itemCount ${bill.itemCount} (want ${itemCount}), total ${bill.total.amount} (want ${total})`);
    return { ok: false, reason: 'mismatch' };
  }, 120_000);
  for (const [reason, count] of result.failures) {
    if (reason !== 'mismatch') problems.push(`${count} bills could not be read: ${reason}`);
  }
  if (result.sent < expected.length) problems.push(`only ${result.sent} of ${expected.length} bills were checked in time`);
  return { exact: problems.length === 0, problems: problems.slice(0, 5) };
}
