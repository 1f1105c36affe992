// Closing bills with their documents through the whole stack: N bills (10,000 by default, `--bills N`)
// of customers with full profiles (locales en, de and fr in turn), three line items each, are made
// through bill-service's gRPC API (untimed); then every bill is asked to close at once and the run
// is timed from the first close request to the moment the last bill is CLOSED with its invoice's
// PDF, HTML and XML stored. PostgreSQL is asked, not the API: each bill's status, its documents
// (every closed bill must have exactly its three), its items and total and its invoice number.
// Prints the close rate, the worker's CPU per bill and its peak RSS, and saves the raw result.
// See bench/README.md (documents-close).
import { createWriteStream } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Code, ConnectError } from '@connectrpc/connect';
import { BillService, CustomerLocale, CustomerService } from '@billing/contracts';
import { createDb, type Db } from '@billing/db';
import { startStack, type Stack } from '@billing/devstack';
import { createGrpcClient } from '@billing/grpc-kit';
import { directClient, reasonOf as grpcReason } from './bills/direct.ts';
import { describeFailures, percentile, runLoad, type LoadResult, type Outcome } from './bills/load.ts';
import { nextMonth } from './bills/plan.ts';
import { cpuMsPerOperation, cpuShares, sampleCpu } from './bills/process-cpu.ts';
import { processMemory } from './bills/process-memory.ts';
import { printProfiles, summariseProfiles } from './cpu-profile.ts';
import { beginRun, saveResult } from './results.ts';
import type { BenchOptions } from './run.ts';
import { printTable } from './table.ts';
import { measureOnStack } from './on-stack.ts';

export const DEFAULT_BILLS = 10_000;
const GOAL = { bills: 10_000, seconds: 600 } as const;
/** Bills made at once (each: its profile, the bill, then its three items together). */
const SETUP_CLIENTS = 32;
/** Close requests in flight at once; each is answered CLOSING at once (BILL_CLOSE_WAIT=0s). */
const CLOSE_CLIENTS = 32;
/** How often PostgreSQL is asked where the bills stand: the resolution of the close's time. */
const POLL_MS = 500;
/** Times a failed close request is sent again. */
const CLOSE_RETRIES = 5;
const SETTLE_LIMIT_MS = 300_000;
const LOCALES = [CustomerLocale.EN, CustomerLocale.DE, CustomerLocale.FR] as const;

/** The three items of every bill (the bill's currency, EUR): 37.02 + 3.17 + 0.99 = 41.18. */
const ITEMS = [
  { key: 'seats', description: 'Seats, Pro plan', quantity: '3', unitPrice: '12.34' },
  { key: 'api', description: 'API calls above the included 100,000', amount: '3.17' },
  { key: 'storage', description: 'Storage & backups (GB-month)', amount: '0.99' },
] as const;
const EXPECTED_TOTAL_MINOR = '4118';

/** A Connect error by its code (bill-service's answers), anything else as the bills benchmark names it. */
function reasonOf(error: unknown): string {
  return error instanceof ConnectError ? `gRPC ${Code[error.code]}` : grpcReason(error);
}

/** Every phase stops at its deadline; what was done by then is what is reported. */
function deadlines(bills: number) {
  return { setupMs: Math.max(600_000, bills * 150), closeMs: Math.max(300_000, bills * 120) };
}

export async function runDocumentsCloseBenchmark(options: BenchOptions): Promise<void> {
  const bills = options.bills ?? DEFAULT_BILLS;
  const runContext = beginRun();
  const logPath = join(tmpdir(), `bench-documents-close-${Date.now()}.log`);
  const log = createWriteStream(logPath);
  console.log(`load average before: ${loadavg().map((load) => load.toFixed(2)).join(' ')} on ${availableParallelism()} cores`);
  console.log(`${bills.toLocaleString('en-US')} bills; starting the stack (PostgreSQL, Temporal dev server, rates-service, bill-service, worker)...`);
  // With --cpu-prof every app writes a V8 CPU profile here when it stops (its whole life: the setup and the close).
  const profileDir = options.cpuProfile ? await mkdtemp(join(tmpdir(), 'bench-documents-close-cpu-')) : undefined;
  const stack = await startStack({
    apps: ['rates-service', 'bill-service', 'worker'],
    // A close request is answered CLOSING at once: the run watches PostgreSQL for the rest.
    env: {
      LOG_LEVEL: 'warn', BILL_CLOSE_WAIT: '0s',
      ...(options.cachedWorkflows === undefined ? {} : { WORKER_MAX_CACHED_WORKFLOWS: String(options.cachedWorkflows) }),
      ...(profileDir ? { NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${profileDir}` } : {}),
    },
    print: (line) => log.write(`${line}\n`),
  });
  const figures = await measureOnStack(stack, log, logPath, (started) => measureClose(started, bills));
  const profiles = profileDir ? await summariseProfiles(profileDir) : undefined;
  if (profiles) printProfiles(profiles, profileDir as string);
  await saveResult('documents-close', runContext, {
    ...figures, workerMaxCachedWorkflows: options.cachedWorkflows ?? 'the SDK default', ...(profiles ? { cpuProfiles: profiles } : {}),
  });
  if (!figures.verified) process.exitCode = 1;
}

interface Counts {
  closed: number;
  failed: number;
  /** Closed bills with their invoice's pdf, html and xml stored. */
  closedWithDocuments: number;
}

/** Where the run's bills stand, from PostgreSQL (a few milliseconds for 10,000 bills: it runs twice a second). */
async function countBills(db: Db, prefix: string): Promise<Counts> {
  const { rows } = await db.raw(`
    WITH run AS (SELECT id, status FROM bills WHERE customer_id LIKE ?)
    SELECT (SELECT count(*) FROM run WHERE status = 'CLOSED') AS closed,
           (SELECT count(*) FROM run WHERE status = 'FAILED') AS failed,
           (SELECT count(*) FROM (SELECT d.bill_id FROM bill_documents d JOIN run ON run.id = d.bill_id AND run.status = 'CLOSED'
                                   WHERE d.kind = 'invoice' GROUP BY d.bill_id HAVING count(DISTINCT d.format) = 3) documented) AS with_documents`,
  [`${prefix}-%`]) as { rows: Array<Record<string, string>> };
  const row = rows[0] ?? {};
  return { closed: Number(row.closed ?? 0), failed: Number(row.failed ?? 0), closedWithDocuments: Number(row.with_documents ?? 0) };
}

/** Everything the run must find in PostgreSQL, bill by bill. */
async function verify(db: Db, prefix: string, closeRequested: number) {
  const { rows } = await db.raw(`
    SELECT count(*) AS bills,
           count(*) FILTER (WHERE b.status = 'CLOSED') AS closed,
           count(*) FILTER (WHERE b.status = 'FAILED') AS failed,
           count(*) FILTER (WHERE b.status NOT IN ('CLOSED', 'FAILED')) AS not_finished,
           count(*) FILTER (WHERE b.status = 'CLOSED' AND d.formats = 3 AND d.documents = 3) AS closed_with_three_documents,
           count(*) FILTER (WHERE b.status = 'CLOSED' AND b.item_count = 3 AND b.total_minor = ?) AS closed_with_items_and_total,
           count(DISTINCT b.invoice_number) FILTER (WHERE b.status = 'CLOSED') AS distinct_invoice_numbers,
           coalesce(sum(d.bytes), 0) AS document_bytes
      FROM bills b
      LEFT JOIN (SELECT bill_id, count(DISTINCT format) AS formats, count(*) AS documents, sum(octet_length(bytes)) AS bytes
                   FROM bill_documents WHERE kind = 'invoice' GROUP BY bill_id) d ON d.bill_id = b.id
     WHERE b.customer_id LIKE ?`, [EXPECTED_TOTAL_MINOR, `${prefix}-%`]) as { rows: Array<Record<string, string>> };
  const row = rows[0] ?? {};
  const counts = Object.fromEntries(Object.entries(row).map(([key, value]) => [key, Number(value)])) as Record<string, number>;
  const problems: string[] = [];
  if (counts.closed !== closeRequested) problems.push(`${counts.closed} of the ${closeRequested} bills asked to close are CLOSED (${counts.failed} FAILED, ${counts.not_finished} not finished)`);
  if (counts.bills !== closeRequested) problems.push(`${counts.bills} bills of the run in PostgreSQL, ${closeRequested} made`);
  if (counts.closed_with_three_documents !== counts.closed) problems.push(`${(counts.closed ?? 0) - (counts.closed_with_three_documents ?? 0)} closed bills lack one of their three documents`);
  if (counts.closed_with_items_and_total !== counts.closed) problems.push(`${(counts.closed ?? 0) - (counts.closed_with_items_and_total ?? 0)} closed bills do not hold their 3 items and total`);
  if (counts.distinct_invoice_numbers !== counts.closed) problems.push(`${counts.distinct_invoice_numbers} distinct invoice numbers for ${counts.closed} closed bills`);
  return { counts, problems };
}

/** Seconds from each bill's close request to the start of the transaction that stored its documents. */
async function storedAfterRequest(db: Db, prefix: string, requestedAt: ReadonlyMap<string, number>): Promise<number[]> {
  const { rows } = await db.raw(`
    SELECT b.customer_id, extract(epoch FROM min(d.created_at)) * 1000 AS stored_ms
      FROM bills b JOIN bill_documents d ON d.bill_id = b.id AND d.kind = 'invoice'
     WHERE b.customer_id LIKE ? GROUP BY b.customer_id`, [`${prefix}-%`]) as { rows: Array<{ customer_id: string; stored_ms: string }> };
  return rows.flatMap((row) => {
    const requested = requestedAt.get(row.customer_id);
    return requested === undefined ? [] : [(Number(row.stored_ms) - requested) / 1000];
  }).sort((a, b) => a - b);
}

function summary(result: LoadResult) {
  return {
    sent: result.sent, succeeded: result.succeeded, seconds: Number(result.elapsedSeconds.toFixed(1)),
    perSecond: Number((result.succeeded / result.elapsedSeconds).toFixed(1)),
    p50Ms: Number(percentile(result.latenciesMs, 50).toFixed(1)), p99Ms: Number(percentile(result.latenciesMs, 99).toFixed(1)),
    failures: Object.fromEntries(result.failures),
  };
}

async function measureClose(stack: Stack, count: number) {
  const limits = deadlines(count);
  const grpc = { timeoutMs: 120_000, serviceCredential: stack.serviceToken };
  const bills = createGrpcClient(BillService, stack.billServiceUrl, grpc);
  const customers = createGrpcClient(CustomerService, stack.billServiceUrl, grpc);
  const db = createDb({ url: stack.databaseUrl, poolMax: 4, applicationName: 'bench-documents-close' });
  const temporal = await directClient(stack.temporalAddress, stack.temporalNamespace);
  try {
    const billingPeriod = nextMonth();
    const prefix = `dc${Date.now().toString(36)}`;
    const customerOf = (index: number) => `${prefix}-${index}`;

    // Setup, untimed: profile, bill, then its three items sent together (bill-service sends them
    // to the bill's workflow as one Update).
    console.log(`making ${count.toLocaleString('en-US')} bills with 3 items each (${SETUP_CLIENTS} at a time)...`);
    const setupCpuBefore = await sampleCpu();
    const setup = await runLoad(Array.from({ length: count }, (_, index) => index), SETUP_CLIENTS, async (index): Promise<Outcome> => {
      const customerId = customerOf(index);
      try {
        await customers.putCustomer({
          customerId,
          fields: {
            legalName: `Kunde ${index} & Söhne GmbH`, email: `ap-${index}@customer.example`, taxId: `DE${String(100_000_000 + index)}`,
            billingAddress: { line1: `Hauptstraße ${index % 200 + 1}`, line2: '', city: 'Berlin', postalCode: '10115', region: '', country: 'DE' },
            locale: LOCALES[index % LOCALES.length], electronicAddress: `9930:DE${String(100_000_000 + index)}`,
          },
        });
        await bills.createBill({ customerId, billingPeriod, currency: 'EUR', timeZone: 'Europe/Berlin', idempotencyKey: `${customerId}-create` });
        await Promise.all(ITEMS.map((item) => bills.addLineItem({
          customerId, billingPeriod, idempotencyKey: `${customerId}-${item.key}`, description: item.description,
          ...('amount' in item ? { amount: item.amount } : { quantity: item.quantity, unitPrice: item.unitPrice }),
        })));
        return { ok: true };
      } catch (error) {
        return { ok: false, reason: reasonOf(error) };
      }
    }, limits.setupMs);
    const setupCpu = cpuShares(setupCpuBefore, await sampleCpu(), setup.elapsedSeconds);
    console.log(`  ${setup.succeeded} of ${count} bills made in ${setup.elapsedSeconds.toFixed(0)} s (${(setup.succeeded / setup.elapsedSeconds).toFixed(1)}/s), ` +
      `failures ${describeFailures(setup.failures)}; CPU ${setupCpu}`);
    const ready = [...setup.succeededTasks].sort((a, b) => a - b);
    if (ready.length === 0) throw new Error('no bill could be made');

    // Whatever the setup left queued (workflow tasks after the answers) is not the close's.
    const settleStarted = performance.now();
    while (performance.now() - settleStarted < SETTLE_LIMIT_MS && (await temporal.backlog()) > 0) await sleep(1_000);
    await sleep(2_000);

    // The close, timed: every bill asked to close, PostgreSQL watched until each is CLOSED (or FAILED).
    console.log(`closing ${ready.length.toLocaleString('en-US')} bills (${CLOSE_CLIENTS} requests in flight)...`);
    const memory = processMemory('worker');
    const cpuBefore = await sampleCpu();
    const requestedAt = new Map<string, number>();
    const startedAt = Date.now();
    const started = performance.now();
    const stopAt = started + limits.closeMs;
    let requestsDone = false;
    const closeOne = async (index: number): Promise<Outcome> => {
      const customerId = customerOf(index);
      if (!requestedAt.has(customerId)) requestedAt.set(customerId, Date.now());
      try {
        await bills.closeBill({ customerId, billingPeriod });
        return { ok: true };
      } catch (error) {
        return { ok: false, reason: reasonOf(error) };
      }
    };
    // A close request that fails (bill-service's own deadline on the Update under load) is sent
    // again, as a client would: closing is idempotent, and PostgreSQL says what closed.
    const requests = (async () => {
      const first = await runLoad(ready, CLOSE_CLIENTS, closeOne, limits.closeMs);
      let pending = ready.filter((_, position) => position < first.sent && !first.succeededTasks.has(position));
      let resent = 0;
      for (let attempt = 1; attempt <= CLOSE_RETRIES && pending.length > 0 && performance.now() < stopAt; attempt += 1) {
        resent += pending.length;
        const again = await runLoad(pending, CLOSE_CLIENTS, closeOne, stopAt - performance.now());
        pending = pending.filter((_, position) => !again.succeededTasks.has(position));
      }
      return { first, resent, unanswered: pending.length + (ready.length - first.sent) };
    })().finally(() => { requestsDone = true; });

    const progress: Array<{ second: number } & Counts> = [];
    let counts: Counts = { closed: 0, failed: 0, closedWithDocuments: 0 };
    let finishedAt = Number.NaN;
    let lastPrinted = 0;
    while (performance.now() < stopAt) {
      await sleep(POLL_MS);
      await memory.sample();
      counts = await countBills(db, prefix);
      const second = (performance.now() - started) / 1000;
      progress.push({ second: Number(second.toFixed(1)), ...counts });
      if (second - lastPrinted >= 10) {
        lastPrinted = second;
        console.log(`  ${second.toFixed(0)} s: ${counts.closedWithDocuments} closed with documents, ${counts.failed} failed, ` +
          `worker RSS ${memory.currentMiB('worker').toFixed(0)} MiB, load average ${loadavg()[0]?.toFixed(1) ?? '?'}`);
      }
      if (requestsDone && counts.closedWithDocuments + counts.failed >= ready.length) {
        finishedAt = performance.now();
        break;
      }
    }
    const { first: closeRequests, resent, unanswered } = await requests;
    const closeSeconds = ((Number.isNaN(finishedAt) ? performance.now() : finishedAt) - started) / 1000;
    const cpuAfter = await sampleCpu();
    await memory.sample();
    const verification = await verify(db, prefix, ready.length);
    const latencies = await storedAfterRequest(db, prefix, requestedAt);
    const closedWithDocuments = counts.closedWithDocuments;
    const rate = closedWithDocuments / closeSeconds;
    const cpuMsPerBill = cpuMsPerOperation(cpuBefore, cpuAfter, closedWithDocuments);
    const peak = memory.peakMiB();
    const finished = !Number.isNaN(finishedAt);
    const verified = finished && verification.problems.length === 0 && unanswered === 0;

    printTable(['phase', 'bills', 'seconds', 'bills/s', 'failures', 'CPU (cores)'], [
      ['setup: profile, bill, 3 items', String(setup.succeeded), setup.elapsedSeconds.toFixed(0), (setup.succeeded / setup.elapsedSeconds).toFixed(1),
        describeFailures(setup.failures), setupCpu],
      ['close: first request to last CLOSED with documents', String(closedWithDocuments), closeSeconds.toFixed(1), rate.toFixed(1),
        `requests ${describeFailures(closeRequests.failures)}; ${counts.failed} FAILED`, cpuShares(cpuBefore, cpuAfter, closeSeconds)],
    ]);
    console.log(`close requests: ${closeRequests.succeeded} of ${ready.length} answered at the first attempt in ${closeRequests.elapsedSeconds.toFixed(1)} s, ` +
      `p50 ${percentile(closeRequests.latenciesMs, 50).toFixed(0)} ms, p99 ${percentile(closeRequests.latenciesMs, 99).toFixed(0)} ms; ` +
      `${resent} sent again, ${unanswered} never answered`);
    console.log(`request to documents stored, per bill: p50 ${percentile(latencies, 50).toFixed(1)} s, p99 ${percentile(latencies, 99).toFixed(1)} s`);
    console.log(`CPU ms per bill closed: ${Object.entries(cpuMsPerBill).map(([label, ms]) => `${label} ${ms.toFixed(1)}`).join(', ')}`);
    console.log(`worker RSS during the close: peak ${peak.worker?.toFixed(0) ?? '?'} MiB sampled (process high-water mark ${memory.highWaterMiB('worker').toFixed(0)} MiB)`);
    console.log(`goal: ${GOAL.bills.toLocaleString('en-US')} bills in < ${GOAL.seconds} s (${(GOAL.bills / GOAL.seconds).toFixed(1)}/s); ` +
      `${ready.length === GOAL.bills ? `this run: ${closeSeconds.toFixed(0)} s` : `this run's rate projects ${(GOAL.bills / rate).toFixed(0)} s`}`);
    console.log(verified ? 'verified in PostgreSQL: every bill asked to close is CLOSED with its 3 documents, 3 items, its total and its own invoice number'
      : `NOT verified: ${[...verification.problems, ...(finished ? [] : [`the close deadline (${limits.closeMs / 1000} s) passed`]),
        ...(unanswered > 0 ? [`${unanswered} close requests were never answered`] : [])].join('; ')}`);

    return {
      bills: count, goal: GOAL, itemsPerBill: ITEMS.length, setupClients: SETUP_CLIENTS, closeClients: CLOSE_CLIENTS, deadlinesMs: limits,
      setup: { ...summary(setup), cpu: setupCpu },
      close: {
        bills: ready.length, closedWithDocuments, failed: counts.failed, finished,
        seconds: Number(closeSeconds.toFixed(2)), billsPerSecond: Number(rate.toFixed(2)),
        projectedSecondsFor10000: Number((GOAL.bills / rate).toFixed(0)),
        firstRequests: summary(closeRequests), requestsSentAgain: resent, requestsNeverAnswered: unanswered,
        requestToDocumentsStoredSeconds: { p50: Number(percentile(latencies, 50).toFixed(2)), p99: Number(percentile(latencies, 99).toFixed(2)), max: latencies.at(-1) ?? null },
        cpu: cpuShares(cpuBefore, cpuAfter, closeSeconds), cpuMsPerBill,
        workerRssMiB: { peakSampled: peak.worker ?? null, highWaterMark: Number(memory.highWaterMiB('worker').toFixed(1)) },
        startedAt: new Date(startedAt).toISOString(),
        progress: progress.filter((_, index) => index % 4 === 0 || index === progress.length - 1),
      },
      verification: { ...verification.counts, problems: verification.problems },
      verified,
    };
  } finally {
    await temporal.close();
    await db.destroy();
  }
}
