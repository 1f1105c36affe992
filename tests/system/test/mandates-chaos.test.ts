import { setTimeout as sleep } from 'node:timers/promises';
import { BILL_TASK_QUEUE } from '@billing/bills';
import { mandateWorkflowId, type MandateWorkflowInput } from '@billing/mandates';
import { Client, Connection } from '@temporalio/client';
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { chaosStack } from './chaos-stack.ts';

// 100 mandates whose first collection is due now, while the worker is killed with SIGKILL and
// restarted twice, each time once a share of them has been charged: so each kill lands while
// collections are under way and the restarted worker has the rest to do, however fast the machine.
// Money must be taken exactly once per cycle (the simulator's CHARGED attempts, counted by
// idempotency key), each collection must be on its customer's bill exactly once, and booked in the
// ledger as a PAYMENT of that bill.
//
// The mandates are started here with the Temporal client and the same input bill-service's
// MandateService sends (the workflow writes the read-model row itself), so this suite needs no
// gateway. It runs on the chaos project's stack, so killing the worker cannot disturb other suites.

// Ten collections a customer, all on the same bill at about the same time.
const MANDATES = 100;
const CUSTOMERS = 10;
const START_SPREAD_MS = 4_000;
/** The worker is killed once this share of the first cycles is charged, then again at the next. */
const WORKER_KILLS_AFTER_CHARGED = [0.15, 0.5];
// A bound on the run, not a latency goal.
const SETTLE_WITHIN_MS = 180_000;

const stack = chaosStack();
let db: pg.Pool;
let connection: Connection;

beforeAll(async () => {
  db = new pg.Pool({ connectionString: stack.databaseUrl, max: 4 });
  connection = await Connection.connect({ address: stack.temporalAddress });
}, 180_000);

afterAll(async () => {
  await connection?.close();
  await db?.end();
});

it('charges every cycle exactly once, bills it once and books its payment once while the worker is killed and restarted', async () => {
  const client = new Client({ connection, namespace: stack.temporalNamespace });
  const run = Date.now().toString(36);
  const now = new Date();
  const today = now.toISOString().slice(0, 10);
  const inputs: MandateWorkflowInput[] = Array.from({ length: MANDATES }, (_, index) => ({
    mandateId: `mnd_chaos_${run}_${index}`, customerId: `chaos-${run}-${index % CUSTOMERS}`, description: `Plan ${index}`,
    amount: `${index + 1}.00`, currency: 'USD', frequency: 'MONTHLY', firstCollectionDate: today, endDate: null,
    timeZone: 'UTC', collectionTime: '00:00', autoExecution: true, reminderDaysBefore: 0, createdAt: now.toISOString(),
  }));

  const ids = inputs.map((input) => input.mandateId);
  const keys = ids.map((id) => `mandate:${id}:1`);
  const settled = async () => Number((await db.query(
    `SELECT count(*) AS n FROM mandate_collections WHERE mandate_id = ANY($1) AND status = 'SUCCEEDED' AND bill_id IS NOT NULL`, [ids],
  )).rows[0].n);
  const chargedSoFar = async () => Number((await db.query(
    `SELECT count(DISTINCT idempotency_key) AS n FROM simulated_charge_attempts WHERE idempotency_key = ANY($1) AND outcome = 'CHARGED'`, [keys],
  )).rows[0].n);
  const deadline = Date.now() + SETTLE_WITHIN_MS;

  const starts = inputs.map(async (input, index) => {
    await sleep((START_SPREAD_MS * index) / MANDATES);
    await client.workflow.start('mandateWorkflow', { workflowId: mandateWorkflowId(input.mandateId), taskQueue: BILL_TASK_QUEUE, args: [input] });
  });
  const chaos = (async () => {
    const settledWhenBack: number[] = [];
    for (const share of WORKER_KILLS_AFTER_CHARGED) {
      while (await chargedSoFar() < Math.round(MANDATES * share) && Date.now() < deadline) await sleep(100);
      await stack.killApp('worker');
      await stack.startApp('worker');
      settledWhenBack.push(await settled());
    }
    return settledWhenBack;
  })();
  const [settledWhenBack] = await Promise.all([chaos, ...starts]);
  // Each restarted worker still had collections to finish.
  for (const count of settledWhenBack) expect(count).toBeLessThan(MANDATES);

  // Every cycle 1 succeeds and records the bill its item went on.
  while (await settled() < MANDATES && Date.now() < deadline) await sleep(500);
  expect(await settled(), (await stack.recentOutput(20)).join('\n')).toBe(MANDATES);

  const charged = await db.query(
    `SELECT idempotency_key, count(*) AS n FROM simulated_charge_attempts WHERE idempotency_key = ANY($1) AND outcome = 'CHARGED'
     GROUP BY idempotency_key`, [keys]);
  expect(charged.rows.filter((row: { n: string }) => row.n !== '1')).toEqual([]);
  expect(charged.rows.map((row: { idempotency_key: string }) => row.idempotency_key).sort()).toEqual([...keys].sort());

  const items = await db.query(
    `SELECT li.idempotency_key, b.customer_id, count(*) AS n FROM line_items li JOIN bills b ON b.id = li.bill_id
     WHERE li.idempotency_key = ANY($1) GROUP BY li.idempotency_key, b.customer_id`, [keys]);
  expect(items.rows.filter((row: { n: string }) => row.n !== '1')).toEqual([]);
  expect(items.rowCount).toBe(MANDATES);
  const byKey = new Map(items.rows.map((row: { idempotency_key: string; customer_id: string }) => [row.idempotency_key, row.customer_id]));
  for (const input of inputs) expect(byKey.get(`mandate:${input.mandateId}:1`)).toBe(input.customerId);

  // The ledger's payment follows the item; its key is unique in the ledger, so it can only be missing or once.
  const booked = async () => (await db.query(
    `SELECT e.idempotency_key, e.bill_id, c.bill_id AS item_bill_id, e.amount_minor::text AS amount_minor, c.amount_minor::text AS collected_minor
       FROM ledger_entries e JOIN mandate_collections c ON e.idempotency_key = 'mandate:' || c.mandate_id || ':' || c.cycle
      WHERE e.type = 'PAYMENT' AND e.idempotency_key = ANY($1)`, [keys],
  )).rows as Array<{ idempotency_key: string; bill_id: string; item_bill_id: string; amount_minor: string; collected_minor: string }>;
  while ((await booked()).length < MANDATES && Date.now() < deadline) await sleep(500);
  const payments = await booked();
  expect(payments.map((payment) => payment.idempotency_key).sort()).toEqual([...keys].sort());
  expect(payments.filter((payment) => payment.bill_id !== payment.item_bill_id || payment.amount_minor !== payment.collected_minor)).toEqual([]);
}, 300_000);
