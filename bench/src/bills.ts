// Bills benchmark: line items per second and latency into one hot bill and over 1,000
// open bills, through the gateway and straight to Temporal Updates, and bill creation latency.
// Starts the whole stack on free ports (embedded PostgreSQL, Temporal dev server, the four apps
// from source), runs bounded closed-loop loads on loopback, checks every bill to the minor unit
// afterwards, prints a table with the goals, and stops the stack whatever happens.
import { createWriteStream } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { startStack, type Stack } from '@billing/devstack';
import { setTimeout as sleep } from 'node:timers/promises';
import { directClient, type DirectClient } from './bills/direct.ts';
import { gatewayClient, type BenchItem, type GatewayClient } from './bills/gateway.ts';
import { describeFailures, percentile, runLoad, throughput, type LoadResult, type Outcome } from './bills/load.ts';
import { billKeys, expectedBills, nextMonth, planItems, type BillKey } from './bills/plan.ts';
import { cpuShares, sampleCpu } from './bills/process-cpu.ts';
import { verifyBills, type Verification } from './bills/verify.ts';
import { summariseProfiles, type ProfileSummary } from './cpu-profile.ts';
import { beginRun, saveResult } from './results.ts';
import type { BenchOptions } from './run.ts';
import { formatRatio, printTable } from './table.ts';

const CLIENTS = 32;
const HOT_ITEMS = 2_000;
const SPREAD_BILLS = 1_000;
const SPREAD_ITEMS = 2_000;
const CREATE_CLIENTS = 16;
const SERIAL_CREATES = 100;
const WARMUP_ITEMS = 200;
/** No load runs longer than this; what it sent by then is what it measured. */
const LOAD_DEADLINE_MS = 180_000;
const SETTLE_LIMIT_MS = 300_000;

const GOALS = {
  hotItemsPerSecond: 50,
  spreadItemsPerSecond: 150,
  gatewayShareOfDirect: 0.8,
  createP99Ms: 100,
} as const;

interface Measured {
  name: string;
  result: LoadResult;
  cpu: string;
  verification?: Verification;
  /** Seconds after the load until the worker's task queue was empty again. */
  drainSeconds: number;
}

/**
 * Waits until the bill task queue has no backlog. A 201 for a new bill comes before the worker
 * has run the bill's first workflow task and activity, so a burst of creations leaves work
 * queued; left there, it would be measured as part of the next load. Temporal refreshes the
 * backlog figure every few seconds, so this is accurate to a few seconds.
 */
async function settle(direct: DirectClient): Promise<number> {
  const started = performance.now();
  while (performance.now() - started < SETTLE_LIMIT_MS && (await direct.backlog()) > 0) await sleep(1_000);
  return (performance.now() - started) / 1000;
}

export async function runBillsBenchmark(options: BenchOptions): Promise<void> {
  const runContext = beginRun();
  // With --cpu-prof every app writes a V8 CPU profile here when it stops.
  const profileDir = options.cpuProfile ? await mkdtemp(join(tmpdir(), 'bench-bills-cpu-')) : undefined;
  // The apps' logs (warnings and errors only, LOG_LEVEL=warn) go to a file, not the table.
  const logPath = join(tmpdir(), `bench-bills-${Date.now()}.log`);
  const log = createWriteStream(logPath);
  let logLines = 0;
  const print = (line: string) => {
    logLines += 1;
    log.write(`${line}\n`);
  };
  console.log(`load average before: ${loadavg().map((load) => load.toFixed(2)).join(' ')} on ${availableParallelism()} cores`);
  console.log('starting the stack (PostgreSQL, Temporal dev server, rates-service, bill-service, worker, gateway)...');
  const startedAt = performance.now();
  const stack = await startStack({
    // The load runs with the admin key, far past a minute's default allowance.
    env: { LOG_LEVEL: 'warn', RATE_LIMIT_PER_MINUTE: '1000000', ...(profileDir ? { NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${profileDir}` } : {}) },
    print,
  });
  console.log(`stack up in ${((performance.now() - startedAt) / 1000).toFixed(1)} s: gateway ${stack.gatewayUrl}, Temporal ${stack.temporalAddress}`);
  // Ctrl-C or a kill must not leave PostgreSQL, Temporal and the apps running.
  const stopOnSignal = (signal: NodeJS.Signals) => {
    console.error(`${signal}: stopping the stack`);
    void stack.stop().finally(() => process.exit(130));
  };
  process.once('SIGINT', stopOnSignal).once('SIGTERM', stopOnSignal);
  let figures: Awaited<ReturnType<typeof measureAll>>;
  try {
    figures = await measureAll(stack);
  } finally {
    process.off('SIGINT', stopOnSignal).off('SIGTERM', stopOnSignal);
    await stack.stop();
    log.end();
    console.log(`load average after: ${loadavg().map((load) => load.toFixed(2)).join(' ')}; ${logLines} app log lines in ${logPath}`);
  }
  const profiles = profileDir ? await summariseProfiles(profileDir) : undefined;
  if (profiles) printProfiles(profiles, profileDir as string);
  await saveResult('bills', runContext, { ...figures, ...(profiles ? { cpuProfiles: profiles } : {}) });
}

function printProfiles(profiles: readonly ProfileSummary[], folder: string): void {
  console.log(`\nCPU profiles (self time; the .cpuprofile files are in ${folder} for a flame graph in Chrome DevTools):`);
  for (const profile of profiles) {
    console.log(`\n${profile.app}: ${(profile.sampledMs / 1000).toFixed(1)} s of CPU sampled`);
    printTable(['component', 'ms', '%'], profile.components.map((share) => [share.name, String(share.ms), String(share.percent)]));
    printTable(['function', 'ms', '%'], profile.functions.slice(0, 8).map((share) => [share.name, String(share.ms), String(share.percent)]));
  }
}

async function measureAll(stack: Stack) {
  const gateway = gatewayClient(stack.gatewayUrl, stack.adminApiKey);
  const direct = await directClient(stack.temporalAddress, stack.temporalNamespace);
  try {
    const period = nextMonth();
    const run = `b${Date.now().toString(36)}`;
    const measured: Measured[] = [];
    const timed = async <T>(name: string, tasks: readonly T[], clients: number, send: (task: T) => Promise<Outcome>) => {
      const before = await sampleCpu();
      const result = await runLoad(tasks, clients, send, LOAD_DEADLINE_MS);
      const cpu = cpuShares(before, await sampleCpu(), result.elapsedSeconds);
      const entry: Measured = { name, result, cpu, drainSeconds: await settle(direct) };
      measured.push(entry);
      return entry;
    };

    // Warm-up (untimed): the worker bundles its workflows at start, and every path's code wants JIT.
    const [warmGateway, warmDirect] = billKeys(`${run}-warm`, 2, period) as [BillKey, BillKey];
    await mustCreate(gateway, [warmGateway, warmDirect]);
    await runLoad(planItems(`${run}-warm-gw`, [warmGateway], WARMUP_ITEMS), 8, (item) => gateway.addItem(item), LOAD_DEADLINE_MS);
    await runLoad(planItems(`${run}-warm-direct`, [warmDirect], WARMUP_ITEMS), 8, (item) => direct.addItem(item), LOAD_DEADLINE_MS);
    await settle(direct);

    // (d) Creation, timed: the bills the spread loads use, one set per path, plus the two hot bills.
    const spreadGateway = billKeys(`${run}-spread-gw`, SPREAD_BILLS, period);
    const spreadDirect = billKeys(`${run}-spread-direct`, SPREAD_BILLS, period);
    const spreadPerItem = billKeys(`${run}-spread-per-item`, SPREAD_BILLS, period);
    const create = (key: BillKey) => gateway.createBill(key.customerId, key.billingPeriod);
    const created = [
      await timed('(d) create 1,000 bills (for b)', spreadGateway, CREATE_CLIENTS, create),
      await timed('(d) create 1,000 bills (for c)', spreadDirect, CREATE_CLIENTS, create),
    ];
    // The same request one at a time: the latency with no queueing in front of it (not a goal row).
    await timed('(d) create 100 bills, 1 client', billKeys(`${run}-serial`, SERIAL_CREATES, period), 1, create);
    // The bills of the per-item comparison lines are made untimed.
    await runLoad(spreadPerItem, CREATE_CLIENTS, create, LOAD_DEADLINE_MS);
    const [hotGateway, hotDirect, hotPerItem] = billKeys(`${run}-hot`, 3, period) as [BillKey, BillKey, BillKey];
    await mustCreate(gateway, [hotGateway, hotDirect, hotPerItem]);
    await settle(direct);

    // Gateway and direct alternate, so whatever grows during the run (Temporal's SQLite file,
    // the read model) weighs on both.
    const loads = [
      { name: '(a) one hot bill, gateway', bills: [hotGateway], count: HOT_ITEMS, send: gateway.addItem },
      { name: '(c) one hot bill, direct, batched as bill-service', bills: [hotDirect], count: HOT_ITEMS, send: direct.addItemBatched },
      { name: '(e) one hot bill, direct, one Update per item', bills: [hotPerItem], count: HOT_ITEMS, send: direct.addItem },
      { name: '(b) 1,000 bills, gateway', bills: spreadGateway, count: SPREAD_ITEMS, send: gateway.addItem },
      { name: '(c) 1,000 bills, direct, batched as bill-service', bills: spreadDirect, count: SPREAD_ITEMS, send: direct.addItemBatched },
      { name: '(e) 1,000 bills, direct, one Update per item', bills: spreadPerItem, count: SPREAD_ITEMS, send: direct.addItem },
    ];
    const results: Measured[] = [];
    for (const load of loads) {
      console.log(`running ${load.name}: ${load.count} items, ${CLIENTS} clients...`);
      const items = planItems(`${run}-${results.length}`, load.bills, load.count);
      const entry = await timed(load.name, items, CLIENTS, (item: BenchItem) => load.send(item));
      entry.verification = await verifyBills(gateway, expectedBills(items, entry.result, load.bills));
      results.push(entry);
    }
    const [hotGw, hotDi, , spreadGw, spreadDi] = results as [Measured, Measured, Measured, Measured, Measured, Measured];
    const goals = report(measured, created, [hotGw, hotDi, spreadGw, spreadDi]);
    return { clients: { items: CLIENTS, creation: CREATE_CLIENTS }, loads: measured.map(rawFigures), goals };
  } finally {
    await direct.close();
  }
}

function rawFigures({ name, result, cpu, verification, drainSeconds }: Measured) {
  return {
    name,
    sent: result.sent,
    succeeded: result.succeeded,
    seconds: result.elapsedSeconds,
    perSecond: throughput(result),
    p50Ms: percentile(result.latenciesMs, 50),
    p99Ms: percentile(result.latenciesMs, 99),
    maxMs: result.latenciesMs.at(-1) ?? null,
    failures: Object.fromEntries(result.failures),
    readModel: verification === undefined ? null : verification.exact ? 'exact' : 'mismatch',
    drainSeconds,
    cpu,
  };
}

async function mustCreate(gateway: GatewayClient, keys: readonly BillKey[]): Promise<void> {
  for (const key of keys) {
    const outcome = await gateway.createBill(key.customerId, key.billingPeriod);
    if (!outcome.ok) throw new Error(`creating bill ${key.customerId}/${key.billingPeriod} failed: ${outcome.reason}`);
  }
}

const ms = (value: number) => (Number.isNaN(value) ? '-' : value.toFixed(1));
const perSecond = (value: number) => value.toFixed(1);

function report(
  measured: readonly Measured[], created: readonly Measured[], loads: readonly [Measured, Measured, Measured, Measured],
): Array<{ goal: string; measured: string; target: string; met: boolean }> {
  console.log('');
  printTable(
    ['load', 'sent', 'ok', 'seconds', 'per s', 'p50 ms', 'p99 ms', 'max ms', 'errors', 'read model', 'drain s'],
    measured.map(({ name, result, verification, drainSeconds }) => [
      name, String(result.sent), String(result.succeeded), result.elapsedSeconds.toFixed(1), perSecond(throughput(result)),
      ms(percentile(result.latenciesMs, 50)), ms(percentile(result.latenciesMs, 99)), ms(result.latenciesMs.at(-1) ?? Number.NaN),
      describeFailures(result.failures),
      verification === undefined ? '' : verification.exact ? 'exact' : 'MISMATCH', drainSeconds.toFixed(0),
    ]),
  );
  console.log(`\n${CLIENTS} concurrent clients per item load (${CREATE_CLIENTS} for creation), keep-alive HTTP/1.1 to the gateway; ` +
    'direct (c) = bill-service\'s own bill-workflows module (group commit into addLineItems Updates) over @temporalio/client; ' +
    '(e) = one addLineItem Update per item, update id item/<key>.');

  console.log('\nCPU (share of one core; the machine has ' + String(availableParallelism()) + '):');
  for (const { name, cpu } of measured) console.log(`  ${name}: ${cpu || 'n/a'}`);
  for (const { name, verification } of measured) {
    for (const problem of verification?.problems ?? []) console.log(`  ${name}: ${problem}`);
  }

  const [hotGw, hotDi, spreadGw, spreadDi] = loads;
  const createP99 = Math.max(...created.map(({ result }) => percentile(result.latenciesMs, 99)));
  const noneLost = hotGw.result.succeeded === HOT_ITEMS && hotGw.verification?.exact === true;
  const ratio = (gw: Measured, di: Measured) => throughput(gw.result) / throughput(di.result);
  const goals: Array<[string, string, string, boolean]> = [
    ['one hot bill via gateway, none lost', `${perSecond(throughput(hotGw.result))}/s, ${noneLost ? 'none lost' : 'NOT all stored exactly'}`,
      `≥ ${GOALS.hotItemsPerSecond}/s, none lost`, throughput(hotGw.result) >= GOALS.hotItemsPerSecond && noneLost],
    ['1,000 bills via gateway', `${perSecond(throughput(spreadGw.result))}/s`, `≥ ${GOALS.spreadItemsPerSecond}/s`,
      throughput(spreadGw.result) >= GOALS.spreadItemsPerSecond && spreadGw.verification?.exact === true],
    ['gateway / direct, one hot bill', formatRatio(ratio(hotGw, hotDi)), `≥ ${formatRatio(GOALS.gatewayShareOfDirect)}`,
      ratio(hotGw, hotDi) >= GOALS.gatewayShareOfDirect],
    ['gateway / direct, 1,000 bills', formatRatio(ratio(spreadGw, spreadDi)), `≥ ${formatRatio(GOALS.gatewayShareOfDirect)}`,
      ratio(spreadGw, spreadDi) >= GOALS.gatewayShareOfDirect],
    ['bill creation p99 via gateway', `${ms(createP99)} ms`, `≤ ${GOALS.createP99Ms} ms`, createP99 <= GOALS.createP99Ms],
  ];
  console.log('');
  printTable(['goal', 'measured', 'target', 'result'], goals.map(([goal, figure, target, met]) => [goal, figure, target, met ? 'met' : 'NOT MET']));
  return goals.map(([goal, figure, target, met]) => ({ goal, measured: figure, target, met }));
}
