// Bills benchmark: line items per second and latency into one hot bill and over 1,000 open
// bills, through the gateway and straight to Temporal Updates, and bill creation; and, on the same
// Temporal dev server in the same run, bare Temporal doing the same shapes with trivial workflows
// (the floor), so each of our figures is read as a share of what Temporal itself reaches here.
// Starts the whole stack on free ports (embedded PostgreSQL, Temporal dev server, the four apps
// from source), runs bounded closed-loop loads on loopback, checks every bill to the minor unit
// afterwards, prints tables with the goals, and stops the stack whatever happens.
import { createWriteStream } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { BILL_TASK_QUEUE } from '@billing/bills';
import { freePort, startStack, type Stack } from '@billing/devstack';
import { setTimeout as sleep } from 'node:timers/promises';
import type { WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { directClient, type DirectClient } from './bills/direct.ts';
import { bundleFloorWorkflows, FLOOR_TASK_QUEUE, startFloor, type FloorUpdateKind } from './bills/floor.ts';
import { gatewayClient, type BenchItem, type GatewayClient } from './bills/gateway.ts';
import { describeFailures, percentile, pooled, runLoad, throughput, type LoadResult, type Outcome } from './bills/load.ts';
import { billKeys, expectedBills, nextMonth, planItems, type BillKey } from './bills/plan.ts';
import { cpuMsPerOperation, cpuShares, sampleCpu, sampleThreads } from './bills/process-cpu.ts';
import { startFloorProcess, stopFloorProcesses } from './floor/start.ts';
import { verifyBills, type Verification } from './bills/verify.ts';
import { printProfiles, summariseProfiles } from './cpu-profile.ts';
import { beginRun, saveResult } from './results.ts';
import type { BenchOptions } from './run.ts';
import { formatRatio, printTable } from './table.ts';
import { installQuietTemporalRuntime } from './temporal-runtime.ts';

const CLIENTS = 32;
/**
 * Temporal admits at most 10 Updates in flight per workflow (the server's
 * `history.maxInFlightUpdates`) and refuses the rest with RESOURCE_EXHAUSTED, which the client
 * backs off from: 32 clients each sending single Updates into one workflow measure those
 * refusals, not Temporal. So the single-Update loads into one workflow (ours and the floor) run 8
 * clients; bill-service's own path coalesces and runs 32.
 */
const ONE_WORKFLOW_CLIENTS = 8;
const HOT_ITEMS = 2_000;
const SPREAD_BILLS = 1_000;
const SPREAD_ITEMS = 2_000;
const CREATE_CLIENTS = 16;
const SERIAL_CREATES = 100;
const WARMUP_ITEMS = 200;
/** Operations in each floor load: 1,000 starts, or 1,000 Updates (one per workflow when spread). */
const FLOOR_OPERATIONS = 1_000;
const FLOOR_WARMUP_WORKFLOWS = 20;
/** Creations before the timed ones, as many as the floor's warm-up starts. */
const WARMUP_CREATES = FLOOR_WARMUP_WORKFLOWS;
/** No load runs longer than this; what it sent by then is what it measured. */
const LOAD_DEADLINE_MS = 180_000;
/** The one-Update-per-item lines are for comparison only; they get less of the run. */
const COMPARISON_DEADLINE_MS = 60_000;
const SETTLE_LIMIT_MS = 300_000;
/**
 * The worker keeps every bill the run opens in its workflow cache (about 3,100 of them), as the
 * floor's worker keeps its 1,020 workflows: with the SDK's default (2,395 on this machine's heap) the
 * spread loads touched bills evicted by the later creations, and each first item replayed its bill.
 * That cost is real for an operator with more open bills than cache, and docs/operations.md sizes
 * the cache; it is not what the ratio to the floor compares.
 */
const WORKER_CACHED_WORKFLOWS = 4_000;

const GOALS = {
  /** Creation through the gateway against Temporal's own start of an empty workflow. */
  createRateOfFloor: 0.9,
  createP99OfFloor: 1.2,
  /** Items over 1,000 bills through the gateway against bare "Update + local activity". */
  spreadOfFloor: 0.8,
  workerCpuMsPerSpreadItem: 5,
  gatewayShareOfDirect: 0.8,
  hotItemsPerSecond: 50,
} as const;

interface Measured {
  name: string;
  clients: number;
  result: LoadResult;
  /** Share of one core per process during the load. */
  cpu: string;
  /** CPU milliseconds per successful operation per process, from the load's start to the end of its drain. */
  cpuMsPerOp: Record<string, number>;
  /** The worker's CPU milliseconds per operation by kind of thread (sampleThreads), same span. */
  workerThreadsMsPerOp?: Record<string, number>;
  verification?: Verification;
  /** Seconds after the load until the task queues had no backlog again. */
  drainSeconds: number;
}

/**
 * Waits until the bill and floor task queues have no backlog. A 201 for a new bill comes before
 * the worker has run the bill's first workflow task and activity, so a burst of creations leaves
 * work queued; left there, it would be measured as part of the next load. Temporal refreshes the
 * backlog figure every few seconds, so this is accurate to a few seconds.
 */
async function settle(direct: DirectClient): Promise<number> {
  const started = performance.now();
  while (performance.now() - started < SETTLE_LIMIT_MS && (await direct.backlog([BILL_TASK_QUEUE, FLOOR_TASK_QUEUE])) > 0) await sleep(1_000);
  await temporalQuiet();
  return (performance.now() - started) / 1000;
}

/** Temporal's share of a core below which it counts as idle (the dev server's timers and pollers). */
const TEMPORAL_IDLE_SHARE = 0.1;
const QUIET_LIMIT_MS = 30_000;

/**
 * Waits until Temporal is idle. With no task left to hand out, the server still works through what
 * a load left in its own queues (visibility records, transfer and timer tasks); without this wait
 * that tail was charged to the next load and left out of the one that caused it.
 */
async function temporalQuiet(): Promise<void> {
  const started = performance.now();
  for (;;) {
    const before = await sampleCpu();
    await sleep(1_000);
    const busy = ((await sampleCpu()).get('temporal') ?? 0) - (before.get('temporal') ?? 0);
    if (busy < TEMPORAL_IDLE_SHARE || performance.now() - started > QUIET_LIMIT_MS) return;
  }
}

export async function runBillsBenchmark(options: BenchOptions): Promise<void> {
  const runContext = beginRun();
  installQuietTemporalRuntime();
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
  console.log('starting the stack (PostgreSQL, Temporal dev server, rates-service, bill-service, worker, gateway) and bundling the floor workflows...');
  const startedAt = performance.now();
  const [stack, floorBundle] = await Promise.all([
    startStack({
      // The load runs with the admin key, far past a minute's default allowance.
      env: {
        LOG_LEVEL: 'warn', RATE_LIMIT_PER_MINUTE: '1000000', WORKER_MAX_CACHED_WORKFLOWS: String(WORKER_CACHED_WORKFLOWS),
        ...(profileDir ? { NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${profileDir}` } : {}),
      },
      print,
    }),
    bundleFloorWorkflows(),
  ]);
  console.log(`worker settings: ${Object.entries(workerSettings()).map(([name, value]) => `${name}=${value}`).join(' ')}`);
  console.log(`stack up in ${((performance.now() - startedAt) / 1000).toFixed(1)} s: gateway ${stack.gatewayUrl}, Temporal ${stack.temporalAddress}`);
  // Ctrl-C or a kill must not leave PostgreSQL, Temporal and the apps running.
  const stopOnSignal = (signal: NodeJS.Signals) => {
    console.error(`${signal}: stopping the stack`);
    void stack.stop().finally(() => process.exit(130));
  };
  process.once('SIGINT', stopOnSignal).once('SIGTERM', stopOnSignal);
  let figures: Awaited<ReturnType<typeof measureAll>>;
  try {
    figures = await measureAll(stack, floorBundle, options.creationOnly);
  } finally {
    process.off('SIGINT', stopOnSignal).off('SIGTERM', stopOnSignal);
    await stack.stop();
    log.end();
    console.log(`load average after: ${loadavg().map((load) => load.toFixed(2)).join(' ')}; ${logLines} app log lines in ${logPath}`);
  }
  const profiles = profileDir ? await summariseProfiles(profileDir) : undefined;
  if (profiles) printProfiles(profiles, profileDir as string);
  await saveResult('bills', runContext, { ...figures, workerSettings: workerSettings(), ...(profiles ? { cpuProfiles: profiles } : {}) });
}

/** `250ms`, `5s` or `1m` in milliseconds, as the worker reads WORKER_DEADLOCK_TIMEOUT. */
function durationMs(text: string): number {
  const match = /^(\d+)(ms|s|m)$/.exec(text);
  if (!match) throw new Error(`WORKER_DEADLOCK_TIMEOUT: expected a duration like 5s, got "${text}"`);
  return Number(match[1]) * { ms: 1, s: 1_000, m: 60_000 }[match[2] as 'ms' | 's' | 'm'];
}

/** The worker's settings that move its CPU per item, as this run's worker read them (the stack inherits this process's environment). */
function workerSettings(): { WORKER_MAX_CACHED_WORKFLOWS: string; WORKER_WORKFLOW_STACK_TRACES: string; WORKER_DEADLOCK_TIMEOUT: string } {
  return {
    WORKER_MAX_CACHED_WORKFLOWS: String(WORKER_CACHED_WORKFLOWS),
    WORKER_WORKFLOW_STACK_TRACES: process.env.WORKER_WORKFLOW_STACK_TRACES || 'false',
    WORKER_DEADLOCK_TIMEOUT: process.env.WORKER_DEADLOCK_TIMEOUT || '5s',
  };
}

const FLOOR_NAMES = {
  start: 'floor: empty workflow start',
  spread: (kind: FloorUpdateKind) => `floor: ${kind}, 1,000 workflows`,
  one: (kind: FloorUpdateKind) => `floor: ${kind}, one workflow`,
  tiers: 'floor: bare HTTP front, HTTP/2 hop, one PostgreSQL row (at our creation rate)',
} as const;

/**
 * The tiers' floor: the item requests of (b), with their Idempotency-Key, sent to Node's own HTTP
 * server (bare-front) that passes each over HTTP/2 to Node's own HTTP/2 server (bare-store), which
 * commits it as one row of a table of its own in the stack's PostgreSQL: the least a public HTTP
 * API in front of a service that stores the item where a read right after finds it costs, with none
 * of our work (no key check, no rate limit, no idempotency record, no validation, no Temporal).
 */
async function bareTiersLoad(databaseUrl: string, send: (client: GatewayClient) => Promise<Measured>): Promise<Measured> {
  const [storePort, frontPort] = [await freePort(), await freePort()];
  const processes = [await startFloorProcess('bare-store', [String(storePort), databaseUrl])];
  try {
    processes.push(await startFloorProcess('bare-front', [String(frontPort), String(storePort)]));
    const client = gatewayClient(`http://127.0.0.1:${frontPort}`, 'none');
    try {
      return await send(client);
    } finally {
      client.close();
    }
  } finally {
    await stopFloorProcesses(processes);
  }
}

async function measureAll(stack: Stack, floorBundle: WorkflowBundleWithSourceMap, creationOnly: boolean) {
  const gateway = gatewayClient(stack.gatewayUrl, stack.adminApiKey);
  const direct = await directClient(stack.temporalAddress, stack.temporalNamespace);
  const settings = workerSettings();
  const floor = await startFloor(stack.temporalAddress, stack.temporalNamespace, floorBundle, {
    workflowStackTraces: settings.WORKER_WORKFLOW_STACK_TRACES === 'true', deadlockTimeoutMs: durationMs(settings.WORKER_DEADLOCK_TIMEOUT),
  });
  try {
    const period = nextMonth();
    const run = `b${Date.now().toString(36)}`;
    const measured: Measured[] = [];
    const timed = async <T>(
      name: string, tasks: readonly T[], clients: number, send: (task: T) => Promise<Outcome>, deadlineMs = LOAD_DEADLINE_MS,
      pace: { perSecond?: number } = {},
    ) => {
      console.log(`running ${name}: ${tasks.length} operations, ${clients} clients` +
        `${pace.perSecond === undefined ? '' : `, at most ${perSecond(pace.perSecond)}/s`}...`);
      const [before, threadsBefore] = [await sampleCpu(), await sampleThreads('worker')];
      const result = await runLoad(tasks, clients, send, deadlineMs, pace);
      const afterLoad = await sampleCpu();
      const drainSeconds = await settle(direct);
      // The drain belongs to the operations: a start is answered before its first workflow task runs.
      const cpuMsPerOp = cpuMsPerOperation(before, await sampleCpu(), result.succeeded);
      const workerThreadsMsPerOp = cpuMsPerOperation(threadsBefore, await sampleThreads('worker'), result.succeeded);
      const entry: Measured = {
        name, clients, result, cpu: cpuShares(before, afterLoad, result.elapsedSeconds), cpuMsPerOp, workerThreadsMsPerOp, drainSeconds,
      };
      console.log(`  ${perSecond(throughput(result))}/s, p99 ${ms(percentile(result.latenciesMs, 99))} ms, errors ${describeFailures(result.failures)}, ` +
        `drain ${drainSeconds.toFixed(0)} s, load average ${loadavg()[0]?.toFixed(1) ?? '?'}`);
      measured.push(entry);
      return entry;
    };
    const find = (name: string) => measured.find((entry) => entry.name === name) as Measured;

    // Warm-up (untimed): the workers load their workflow bundles, and every path's code wants JIT.
    const [warmGateway, warmDirect] = billKeys(`${run}-warm`, 2, period) as [BillKey, BillKey];
    await mustCreate(gateway, [warmGateway, warmDirect]);
    const warmCreation = billKeys(`${run}-warm-create`, WARMUP_CREATES, period);
    await runLoad(warmCreation, CREATE_CLIENTS, (key) => gateway.createBill(key.customerId, key.billingPeriod), LOAD_DEADLINE_MS);
    await runLoad(planItems(`${run}-warm-gw`, [warmGateway], WARMUP_ITEMS), 8, (item) => gateway.addItem(item), LOAD_DEADLINE_MS);
    await runLoad(planItems(`${run}-warm-direct`, [warmDirect], WARMUP_ITEMS), 8, (item) => direct.addItem(item), LOAD_DEADLINE_MS);
    const floorWarm = Array.from({ length: FLOOR_WARMUP_WORKFLOWS }, (_, index) => `${run}-floor-warm-${index}`);
    mustSucceed('starting the floor warm-up workflows', await runLoad(floorWarm, 8, (id) => floor.start(id), LOAD_DEADLINE_MS));
    for (const kind of FLOOR_KINDS) {
      mustSucceed(`floor warm-up, ${kind}`, await runLoad(floorWarm.flatMap((id) => [id, id, id]), 8, (id) => floor.update(kind, id), LOAD_DEADLINE_MS));
    }
    await settle(direct);

    // (d) Creation, timed: the bills the spread loads use, one set per path, with the floor's
    // empty workflow start between them; the floor's workflows stay open, as bills do, and take
    // the floor's spread Updates later.
    const spreadGateway = billKeys(`${run}-spread-gw`, SPREAD_BILLS, period);
    const spreadDirect = billKeys(`${run}-spread-direct`, SPREAD_BILLS, period);
    const spreadPerItem = billKeys(`${run}-spread-per-item`, SPREAD_BILLS, period);
    const floorSpread = Array.from({ length: FLOOR_OPERATIONS }, (_, index) => `${run}-floor-${index}`);
    const create = (key: BillKey) => gateway.createBill(key.customerId, key.billingPeriod);
    const created = [await timed('(d) create 1,000 bills (for b)', spreadGateway, CREATE_CLIENTS, create)];
    const floorStart = await timed(FLOOR_NAMES.start, floorSpread, CREATE_CLIENTS, (id) => floor.start(id));
    mustSucceed('the floor start', floorStart.result);
    created.push(await timed('(d) create 1,000 bills (for c)', spreadDirect, CREATE_CLIENTS, create));
    // The same request one at a time: the latency with no queueing in front of it (not a goal row).
    await timed('(d) create 100 bills, 1 client', billKeys(`${run}-serial`, SERIAL_CREATES, period), 1, create);
    const creation: Measured = {
      name: '(d) create 2,000 bills (both sets)', clients: CREATE_CLIENTS, result: pooled(created.map((entry) => entry.result)), cpu: '',
      cpuMsPerOp: averageCpu(created), drainSeconds: created.reduce((sum, entry) => sum + entry.drainSeconds, 0),
    };
    // Paced at our creation's rate: a request's CPU is read where ours run (at its own top speed a
    // server wakes once for several requests, and each costs less).
    const tiers = await bareTiersLoad(stack.databaseUrl, (client) =>
      timed(FLOOR_NAMES.tiers, planItems(`${run}-bare`, spreadGateway, SPREAD_ITEMS), CLIENTS, client.addItem, LOAD_DEADLINE_MS,
        { perSecond: throughput(creation.result) }));
    mustSucceed('the tiers\' floor', tiers.result);
    if (creationOnly) {
      const ratios = creationRatios(creation, floorStart, tiers);
      printLoads([...measured, creation]);
      printRatios(ratios);
      const goals = printGoals(creationGoals(creation, floorStart, tiers));
      return {
        only: 'creation',
        clients: { creation: CREATE_CLIENTS },
        loads: measured.filter((entry) => !isFloor(entry)).map(rawFigures),
        creationPooled: rawFigures(creation),
        floors: measured.filter(isFloor).map(rawFigures),
        ratios,
        goals,
      };
    }
    // The bills and workflows of the comparison lines are made untimed.
    await runLoad(spreadPerItem, CREATE_CLIENTS, create, LOAD_DEADLINE_MS);
    const [hotGateway, hotDirect, hotPerItem] = billKeys(`${run}-hot`, 3, period) as [BillKey, BillKey, BillKey];
    await mustCreate(gateway, [hotGateway, hotDirect, hotPerItem]);
    const floorHot = Object.fromEntries(FLOOR_KINDS.map((kind) => [kind, `${run}-floor-hot-${kind.replaceAll(/[^a-z]+/g, '-')}`])) as Record<FloorUpdateKind, string>;
    for (const id of Object.values(floorHot)) mustSucceed(`starting floor workflow ${id}`, await runLoad([id], 1, (one) => floor.start(one), LOAD_DEADLINE_MS));
    await settle(direct);

    // Item loads, each with its matching floors right after it, so what grows during the run
    // (Temporal's SQLite file, the read model) and the machine's load weigh on both alike.
    const itemLoad = async (name: string, bills: readonly BillKey[], count: number, clients: number, send: (item: BenchItem) => Promise<Outcome>, deadlineMs?: number) => {
      const items = planItems(`${run}-${measured.length}`, bills, count);
      const entry = await timed(name, items, clients, send, deadlineMs);
      entry.verification = await verifyBills(gateway, expectedBills(items, entry.result, bills));
      return entry;
    };
    const floorLoad = async (name: string, kind: FloorUpdateKind, workflowIds: readonly string[], clients: number) =>
      timed(name, Array.from({ length: FLOOR_OPERATIONS }, (_, index) => workflowIds[index % workflowIds.length] as string), clients,
        (id) => floor.update(kind, id));

    const hotGw = await itemLoad('(a) one hot bill, gateway', [hotGateway], HOT_ITEMS, CLIENTS, gateway.addItem);
    const hotDi = await itemLoad('(c) one hot bill, direct, batched as bill-service', [hotDirect], HOT_ITEMS, CLIENTS, direct.addItemBatched);
    for (const kind of ['update + activity', 'update + local activity', 'update'] as const) {
      await floorLoad(FLOOR_NAMES.one(kind), kind, [floorHot[kind]], ONE_WORKFLOW_CLIENTS);
    }
    await itemLoad('(e) one hot bill, direct, one Update per item', [hotPerItem], HOT_ITEMS, ONE_WORKFLOW_CLIENTS, direct.addItem, COMPARISON_DEADLINE_MS);

    const spreadGw = await itemLoad('(b) 1,000 bills, gateway', spreadGateway, SPREAD_ITEMS, CLIENTS, gateway.addItem);
    const spreadDi = await itemLoad('(c) 1,000 bills, direct, batched as bill-service', spreadDirect, SPREAD_ITEMS, CLIENTS, direct.addItemBatched);
    for (const kind of ['update + local activity', 'update + local activity, item-sized payloads', 'update + activity', 'update'] as const) {
      await floorLoad(FLOOR_NAMES.spread(kind), kind, floorSpread, CLIENTS);
    }
    await itemLoad('(e) 1,000 bills, direct, one Update per item', spreadPerItem, SPREAD_ITEMS, CLIENTS, direct.addItem, COMPARISON_DEADLINE_MS);

    const ratios = ratiosToFloor({
      creation, floorStart, hotGw, hotDi, spreadGw, spreadDi, tiers,
      hotPerItem: find('(e) one hot bill, direct, one Update per item'), spreadPerItem: find('(e) 1,000 bills, direct, one Update per item'),
      floor: (name) => find(name),
    });
    printLoads(measured);
    printRatios(ratios);
    const goals = judge({ creation, floorStart, hotGw, hotDi, spreadGw, spreadDi, tiers, floorSpreadLocal: find(FLOOR_NAMES.spread('update + local activity')) });
    return {
      clients: { items: CLIENTS, itemsIntoOneWorkflowOneUpdateEach: ONE_WORKFLOW_CLIENTS, creation: CREATE_CLIENTS },
      loads: measured.filter((entry) => !isFloor(entry)).map(rawFigures),
      creationPooled: rawFigures(creation),
      floors: measured.filter(isFloor).map(rawFigures),
      ratios,
      goals,
    };
  } finally {
    await floor.close();
    await direct.close();
    gateway.close();
  }
}

const FLOOR_KINDS: readonly FloorUpdateKind[] = ['update', 'update + activity', 'update + local activity', 'update + local activity, item-sized payloads'];

const isFloor = (entry: Measured) => entry.name.startsWith('floor:');

/** Mean CPU per operation over loads of the same request, weighted by their operations. */
function averageCpu(loads: readonly Measured[]): Record<string, number> {
  const total = loads.reduce((sum, entry) => sum + entry.result.succeeded, 0);
  const sums = new Map<string, number>();
  for (const entry of loads) {
    for (const [label, msPerOp] of Object.entries(entry.cpuMsPerOp)) sums.set(label, (sums.get(label) ?? 0) + msPerOp * entry.result.succeeded);
  }
  return Object.fromEntries([...sums].map(([label, ms]) => [label, ms / total]).sort(([, a], [, b]) => (b as number) - (a as number)));
}

function rawFigures({ name, clients, result, cpu, cpuMsPerOp, workerThreadsMsPerOp, verification, drainSeconds }: Measured) {
  return {
    name,
    clients,
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
    cpuMsPerOp: Object.fromEntries(Object.entries(cpuMsPerOp).map(([label, value]) => [label, Number(value.toFixed(3))])),
    workerThreadsMsPerOp: Object.fromEntries(Object.entries(workerThreadsMsPerOp ?? {}).map(([kind, value]) => [kind, Number(value.toFixed(3))])),
  };
}

async function mustCreate(gateway: GatewayClient, keys: readonly BillKey[]): Promise<void> {
  for (const key of keys) {
    const outcome = await gateway.createBill(key.customerId, key.billingPeriod);
    if (!outcome.ok) throw new Error(`creating bill ${key.customerId}/${key.billingPeriod} failed: ${outcome.reason}`);
  }
}

/** The floor's own workflows are the yardstick: a failure there leaves nothing to divide by. */
function mustSucceed(what: string, result: LoadResult): void {
  if (result.succeeded !== result.sent) throw new Error(`${what}: ${describeFailures(result.failures)}`);
}

const ms = (value: number) => (Number.isNaN(value) ? '-' : value.toFixed(1));
const perSecond = (value: number) => value.toFixed(1);

interface Ratio {
  ours: string;
  floor: string;
  measure: 'per second' | 'p99 ms';
  oursValue: number;
  floorValue: number;
  ratio: number;
  /** For a rate: the highest ratio the machine's CPU allows (cpuCeiling); undefined for a p99. */
  ceiling?: number;
  /** For a rate: the same with the tiers' floor in place of ours (bareTiersCeiling). */
  tiersCeiling?: number;
}

/** The processes the floor does not run: our tiers in front of Temporal and under the worker. */
const TIERS_THE_FLOOR_LACKS = ['gateway', 'bill-service', 'rates-service', 'postgres'] as const;

/**
 * When both loads keep every core busy, a rate is the cores divided by the CPU one operation costs
 * in all processes together. Ours costs at least the floor's own CPU plus what our other tiers spend
 * on it, even if our worker and Temporal cost no more than the floor's; so the ratio cannot pass
 * floor ÷ (floor + those tiers). Valid only for CPU-bound loads: the table says how busy the cores were.
 */
export function cpuCeiling(ours: Record<string, number>, floor: Record<string, number>): number {
  const total = (cpu: Record<string, number>) => Object.values(cpu).reduce((sum, value) => sum + value, 0);
  const extra = TIERS_THE_FLOOR_LACKS.reduce((sum, tier) => sum + (ours[tier] ?? 0), 0);
  return total(floor) / (total(floor) + extra);
}

/**
 * The most the gateway path can reach of the direct path's rate on this machine's cores: the cores'
 * CPU divided by what one direct operation costs plus what the gateway path adds in the tiers the
 * direct path lacks or uses less (gateway, bill-service, rates-service, PostgreSQL), as a share of
 * the direct rate, at most 1. When the direct load keeps every core busy this is cpuCeiling; when it
 * leaves cores idle, the idle CPU counts toward the gateway path.
 */
export function coresCeiling(ours: Record<string, number>, direct: Record<string, number>, directPerSecond: number,
  cores = availableParallelism()): number {
  const total = Object.values(direct).reduce((sum, value) => sum + value, 0);
  const extra = TIERS_THE_FLOOR_LACKS.reduce((sum, tier) => sum + Math.max(0, (ours[tier] ?? 0) - (direct[tier] ?? 0)), 0);
  return Math.min(1, (cores * 1000) / (total + extra) / directPerSecond);
}

const gatewayCeiling = (gateway: Measured, direct: Measured) => coresCeiling(gateway.cpuMsPerOp, direct.cpuMsPerOp, throughput(direct.result));

/** The tiers' floor's processes: its HTTP front, its store, and the PostgreSQL it commits to. */
const BARE_TIERS = ['bare front', 'bare store', 'postgres'] as const;

/**
 * cpuCeiling with the tiers' floor in place of our tiers: floor ÷ (floor + what the bare front, the
 * bare store and their PostgreSQL spent per request). Any design with a public HTTP API, a service
 * behind it and a committed row per operation pays at least that much on top of the floor, so no
 * such design's ratio can pass this while the cores are busy.
 */
export function bareTiersCeiling(floor: Record<string, number>, tiers: Record<string, number>): number {
  const total = Object.values(floor).reduce((sum, value) => sum + value, 0);
  return total / (total + BARE_TIERS.reduce((sum, label) => sum + (tiers[label] ?? 0), 0));
}

/**
 * coresCeiling for gateway ÷ direct with the tiers' floor's front and hop (not its PostgreSQL: the
 * direct path stores the item too) as all the gateway path adds: the most any HTTP front with a
 * service behind it could reach of the direct rate on these cores.
 */
export function bareFrontCeiling(direct: Record<string, number>, tiers: Record<string, number>, directPerSecond: number,
  cores = availableParallelism()): number {
  const total = Object.values(direct).reduce((sum, value) => sum + value, 0);
  const extra = (tiers['bare front'] ?? 0) + (tiers['bare store'] ?? 0);
  return Math.min(1, (cores * 1000) / (total + extra) / directPerSecond);
}

const frontCeiling = (direct: Measured, tiers: Measured) => bareFrontCeiling(direct.cpuMsPerOp, tiers.cpuMsPerOp, throughput(direct.result));

/**
 * `ceiling`: whether each of our operations costs Temporal at least what the floor's does (one start,
 * or one Update and one local activity per item), which cpuCeiling assumes; a group commit does less.
 */
function rateRatio(ours: Measured, floor: Measured, { ceiling = true, tiers }: { ceiling?: boolean; tiers?: Measured } = {}): Ratio {
  return {
    ours: ours.name, floor: floor.name, measure: 'per second',
    oursValue: throughput(ours.result), floorValue: throughput(floor.result), ratio: throughput(ours.result) / throughput(floor.result),
    ...(ceiling ? { ceiling: cpuCeiling(ours.cpuMsPerOp, floor.cpuMsPerOp) } : {}),
    ...(ceiling && tiers ? { tiersCeiling: bareTiersCeiling(floor.cpuMsPerOp, tiers.cpuMsPerOp) } : {}),
  };
}

function p99Ratio(ours: Measured, floor: Measured): Ratio {
  const [a, b] = [percentile(ours.result.latenciesMs, 99), percentile(floor.result.latenciesMs, 99)];
  return { ours: ours.name, floor: floor.name, measure: 'p99 ms', oursValue: a, floorValue: b, ratio: a / b };
}

function creationRatios(creation: Measured, floorStart: Measured, tiers: Measured): Ratio[] {
  return [rateRatio(creation, floorStart, { tiers }), p99Ratio(creation, floorStart)];
}

function ratiosToFloor(loads: {
  creation: Measured; floorStart: Measured; hotGw: Measured; hotDi: Measured; spreadGw: Measured; spreadDi: Measured; tiers: Measured;
  hotPerItem: Measured; spreadPerItem: Measured; floor: (name: string) => Measured;
}): Ratio[] {
  const rate = rateRatio;
  const oneActivity = loads.floor(FLOOR_NAMES.one('update + activity'));
  const spreadLocal = loads.floor(FLOOR_NAMES.spread('update + local activity'));
  return [
    ...creationRatios(loads.creation, loads.floorStart, loads.tiers),
    rate(loads.spreadGw, spreadLocal, { tiers: loads.tiers }),
    rate(loads.spreadDi, spreadLocal, { ceiling: false }),
    rate(loads.hotGw, oneActivity, { ceiling: false }),
    rate(loads.hotDi, oneActivity, { ceiling: false }),
    // Like for like: our workflow's one-Update-per-item against the floor's.
    // Ours writes from a local activity: it may cost Temporal less than this floor's activity, so no ceiling.
    rate(loads.spreadPerItem, loads.floor(FLOOR_NAMES.spread('update + activity')), { ceiling: false }),
    rate(loads.hotPerItem, oneActivity, { ceiling: false }),
  ];
}

const PROCESSES = ['gateway', 'bill-service', 'rates-service', 'worker', 'temporal', 'postgres', 'bare front', 'bare store', 'bench'] as const;

function printLoads(measured: readonly Measured[]): void {
  console.log('');
  printTable(
    ['load', 'clients', 'sent', 'ok', 'seconds', 'per s', 'p50 ms', 'p99 ms', 'max ms', 'errors', 'read model', 'drain s'],
    measured.map(({ name, clients, result, verification, drainSeconds }) => [
      name, String(clients), String(result.sent), String(result.succeeded), result.elapsedSeconds.toFixed(1), perSecond(throughput(result)),
      ms(percentile(result.latenciesMs, 50)), ms(percentile(result.latenciesMs, 99)), ms(result.latenciesMs.at(-1) ?? Number.NaN),
      describeFailures(result.failures),
      verification === undefined ? '' : verification.exact ? 'exact' : 'MISMATCH', drainSeconds.toFixed(0),
    ]),
  );
  console.log('\nKeep-alive HTTP/1.1 to the gateway; direct (c) = bill-service\'s own bill-workflows module (group commit into ' +
    'addLineItems Updates) over @temporalio/client; (e) = one addLineItem Update per item, update id item/<key>; ' +
    'floor = bare Temporal, trivial workflows and activities that do nothing, worker inside the bench process.');

  console.log(`\nCPU ms per operation, load start to end of drain (bench = the benchmark's clients, plus the floor's worker on floor rows):`);
  printTable(['load', ...PROCESSES, 'total'], measured.map(({ name, cpuMsPerOp }) => [
    name, ...PROCESSES.map((label) => (cpuMsPerOp[label] === undefined ? '-' : cpuMsPerOp[label].toFixed(1))),
    Object.values(cpuMsPerOp).reduce((sum, value) => sum + value, 0).toFixed(1),
  ]));
  const kinds = ['main thread', 'workflow thread', 'SDK core', 'V8 helpers', 'other'];
  const ours = measured.filter((entry) => Object.keys(entry.workerThreadsMsPerOp ?? {}).length > 0 && !entry.name.startsWith('floor'));
  if (ours.length > 0) {
    console.log(`\nThe worker's CPU ms per operation by thread (main: activities and the SDK's bridge; workflow: the sandbox; SDK core: its Rust threads; V8 helpers: GC and compilation):`);
    printTable(['load', ...kinds], ours.map(({ name, workerThreadsMsPerOp }) => [
      name, ...kinds.map((kind) => (workerThreadsMsPerOp?.[kind] === undefined ? '-' : (workerThreadsMsPerOp[kind] as number).toFixed(1))),
    ]));
  }
  console.log(`\nCPU during each load (share of one core; the machine has ${availableParallelism()}):`);
  for (const { name, cpu } of measured) console.log(`  ${name}: ${cpu || 'n/a'}`);
  for (const { name, verification } of measured) {
    for (const problem of verification?.problems ?? []) console.log(`  ${name}: ${problem}`);
  }
}

function printRatios(ratios: readonly Ratio[]): void {
  console.log('\nOur figures against their floors (same Temporal, same run):');
  printTable(['ours', 'floor', 'measure', 'ours', 'floor', 'ratio', 'CPU ceiling', 'bare tiers\' ceiling'], ratios.map((ratio) => [
    ratio.ours, ratio.floor, ratio.measure, ratio.oursValue.toFixed(1), ratio.floorValue.toFixed(1), formatRatio(ratio.ratio),
    ratio.ceiling === undefined ? '' : formatRatio(ratio.ceiling), ratio.tiersCeiling === undefined ? '' : formatRatio(ratio.tiersCeiling),
  ]));
  console.log('CPU ceiling: floor CPU ÷ (floor CPU + our gateway, bill-service, rates-service and PostgreSQL CPU) per operation, ' +
    'the most the ratio can reach while the cores are busy in both loads. Bare tiers\' ceiling: the same with the tiers\' floor ' +
    `(${FLOOR_NAMES.tiers}) in place of our tiers, the most any design with an HTTP API, a service and a committed row can reach.`);
}

function judge(loads: {
  creation: Measured; floorStart: Measured; hotGw: Measured; hotDi: Measured; spreadGw: Measured; spreadDi: Measured; tiers: Measured;
  floorSpreadLocal: Measured;
}): Array<{ goal: string; measured: string; target: string; met: boolean }> {
  const { creation, floorStart, hotGw, hotDi, spreadGw, spreadDi, tiers, floorSpreadLocal } = loads;
  const noneLost = hotGw.result.succeeded === HOT_ITEMS && hotGw.verification?.exact === true;
  const workerMsPerItem = spreadGw.cpuMsPerOp.worker ?? Number.NaN;
  const goals: Goal[] = [
    ...creationGoals(creation, floorStart, tiers),
    ['1,000 bills via gateway ÷ Update + local activity, 1,000 workflows',
      `${formatRatio(rateOf(spreadGw, floorSpreadLocal))} (${perSecond(throughput(spreadGw.result))}/s ÷ ${perSecond(throughput(floorSpreadLocal.result))}/s; ` +
        `CPU ceiling ${formatRatio(cpuCeiling(spreadGw.cpuMsPerOp, floorSpreadLocal.cpuMsPerOp))}, ` +
        `bare tiers' ${formatRatio(bareTiersCeiling(floorSpreadLocal.cpuMsPerOp, tiers.cpuMsPerOp))})` +
        `${spreadGw.verification?.exact === true ? '' : ', read model NOT exact'}`,
      `≥ ${formatRatio(GOALS.spreadOfFloor)}`, rateOf(spreadGw, floorSpreadLocal) >= GOALS.spreadOfFloor && spreadGw.verification?.exact === true],
    ['worker CPU per item, 1,000 bills via gateway', `${ms(workerMsPerItem)} ms`, `≤ ${GOALS.workerCpuMsPerSpreadItem} ms`,
      workerMsPerItem <= GOALS.workerCpuMsPerSpreadItem],
    ['gateway ÷ direct, one hot bill',
      `${formatRatio(rateOf(hotGw, hotDi))} (cores' ceiling ${formatRatio(gatewayCeiling(hotGw, hotDi))}, bare front's ${formatRatio(frontCeiling(hotDi, tiers))})`,
      `≥ ${formatRatio(GOALS.gatewayShareOfDirect)}`, rateOf(hotGw, hotDi) >= GOALS.gatewayShareOfDirect],
    ['gateway ÷ direct, 1,000 bills',
      `${formatRatio(rateOf(spreadGw, spreadDi))} (cores' ceiling ${formatRatio(gatewayCeiling(spreadGw, spreadDi))}, bare front's ${formatRatio(frontCeiling(spreadDi, tiers))})`,
      `≥ ${formatRatio(GOALS.gatewayShareOfDirect)}`, rateOf(spreadGw, spreadDi) >= GOALS.gatewayShareOfDirect],
    ['one hot bill via gateway, none lost', `${perSecond(throughput(hotGw.result))}/s, ${noneLost ? 'none lost' : 'NOT all stored exactly'}`,
      `≥ ${GOALS.hotItemsPerSecond}/s, none lost`, throughput(hotGw.result) >= GOALS.hotItemsPerSecond && noneLost],
  ];
  return printGoals(goals);
}

/** A goal: what it is, what was measured, the target, and whether it was met. */
type Goal = [string, string, string, boolean];

const rateOf = (a: Measured, b: Measured) => throughput(a.result) / throughput(b.result);
const p99Of = (a: Measured, b: Measured) => percentile(a.result.latenciesMs, 99) / percentile(b.result.latenciesMs, 99);

function creationGoals(creation: Measured, floorStart: Measured, tiers: Measured): Goal[] {
  return [
    ['bill creation rate ÷ empty workflow start rate',
      `${formatRatio(rateOf(creation, floorStart))} (${perSecond(throughput(creation.result))}/s ÷ ${perSecond(throughput(floorStart.result))}/s; ` +
        `CPU ceiling ${formatRatio(cpuCeiling(creation.cpuMsPerOp, floorStart.cpuMsPerOp))}, ` +
        `bare tiers' ${formatRatio(bareTiersCeiling(floorStart.cpuMsPerOp, tiers.cpuMsPerOp))})`,
      `≥ ${formatRatio(GOALS.createRateOfFloor)}`, rateOf(creation, floorStart) >= GOALS.createRateOfFloor],
    ['bill creation p99 ÷ empty workflow start p99',
      `${formatRatio(p99Of(creation, floorStart))} (${ms(percentile(creation.result.latenciesMs, 99))} ÷ ${ms(percentile(floorStart.result.latenciesMs, 99))} ms)`,
      `≤ ${formatRatio(GOALS.createP99OfFloor)}`, p99Of(creation, floorStart) <= GOALS.createP99OfFloor],
  ];
}

function printGoals(goals: readonly Goal[]): Array<{ goal: string; measured: string; target: string; met: boolean }> {
  console.log('');
  printTable(['goal', 'measured', 'target', 'result'], goals.map(([goal, figure, target, met]) => [goal, figure, target, met ? 'met' : 'NOT MET']));
  return goals.map(([goal, figure, target, met]) => ({ goal, measured: figure, target, met }));
}
