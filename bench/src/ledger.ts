// Ledger benchmark: balanced entries per second and their latency, straight to LedgerService over
// gRPC and through the gateway, in two shapes: transfers between random pairs of 10,000 funded
// wallets (spread), and platform credits that all touch one hot revenue account (hot). A
// baseline measures what one hot row manages with one transaction per update, the naive design.
// Starts the stack on free ports, checks the books to the minor unit afterwards (trial balance
// zero, every balance equal to its postings, no wallet negative) and saves the raw result.
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { createWriteStream } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { join } from 'node:path';
import pg from 'pg';
import { AccountKind, Direction, LedgerService } from '@billing/contracts';
import { startStack, type Stack } from '@billing/devstack';
import { createGrpcClient } from '@billing/grpc-kit';
import { describeFailures, percentile, runLoad, throughput, type LoadResult, type Outcome } from './bills/load.ts';
import { cpuMsPerOperation, cpuShares, sampleCpu } from './bills/process-cpu.ts';
import { summariseProfiles } from './cpu-profile.ts';
import { beginRun, saveResult } from './results.ts';
import type { BenchOptions } from './run.ts';
import { formatRatio, printTable } from './table.ts';
import { measureOnStack } from './on-stack.ts';

const WALLETS = 10_000;
const GRPC_ENTRIES = 20_000;
const GATEWAY_ENTRIES = 6_000;
const BASELINE_UPDATES = 3_000;
const BASELINE_CONNECTIONS = 32;
const BATCH = 100;
const BATCH_CLIENTS = 8;
const CLIENTS = 256;
const LOAD_DEADLINE_MS = 120_000;
const GOALS = { spreadPerSecond: 3_000, hotPerSecond: 1_000 } as const;

interface Measured {
  name: string;
  path: 'grpc' | 'grpc batch' | 'gateway' | 'sql';
  result: LoadResult;
  cpu: string;
  /** Entries per task (a PostEntries call carries many); 1 otherwise. */
  perTask: number;
  /** CPU milliseconds per entry, by process. */
  cpuMsPerEntry: Record<string, number>;
}

type Ledger = ReturnType<typeof createGrpcClient<typeof LedgerService>>;

function grpcOutcome(call: Promise<unknown>): Promise<Outcome> {
  return call.then(() => ({ ok: true as const }), (error: unknown) => ({
    ok: false as const, reason: (error as { code?: number }).code === undefined ? 'thrown' : `grpc ${(error as { code: number }).code}`,
  }));
}

async function post(gatewayUrl: string, adminApiKey: string, path: string, body: unknown, key: string): Promise<Outcome> {
  try {
    const response = await fetch(`${gatewayUrl}${path}`, {
      method: 'POST', headers: { authorization: `Bearer ${adminApiKey}`, 'content-type': 'application/json', 'idempotency-key': key }, body: JSON.stringify(body),
    });
    await response.arrayBuffer();
    return response.status === 201 ? { ok: true } : { ok: false, reason: `http ${response.status}` };
  } catch (error) {
    return { ok: false, reason: error instanceof Error ? error.name : 'thrown' };
  }
}

/** Deterministic pseudo-random pairs, so every run moves the same money. */
function pairs(count: number, salt: number): Array<[number, number]> {
  let state = salt >>> 0;
  const next = () => {
    state = (Math.imul(state, 1_103_515_245) + 12_345) >>> 0;
    return state % WALLETS;
  };
  return Array.from({ length: count }, () => {
    const from = next();
    let to = next();
    if (to === from) to = (to + 1) % WALLETS;
    return [from, to];
  });
}

export async function runLedgerBenchmark(options: BenchOptions): Promise<void> {
  const runContext = beginRun();
  // With --cpu-prof every app writes a V8 CPU profile here when it stops.
  const profileDir = options.cpuProfile ? await mkdtemp(join(tmpdir(), 'bench-ledger-cpu-')) : undefined;
  const logPath = join(tmpdir(), `bench-ledger-${Date.now()}.log`);
  const log = createWriteStream(logPath);
  console.log(`load average before: ${loadavg().map((load) => load.toFixed(2)).join(' ')} on ${availableParallelism()} cores`);
  const stack = await startStack({ apps: ['rates-service', 'bill-service', 'gateway'], env: {
      LOG_LEVEL: 'warn', RATE_LIMIT_PER_MINUTE: '1000000',
      ...(profileDir ? { NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${profileDir}` } : {}),
    },
    print: (line) => log.write(`${line}\n`) });
  const figures = await measureOnStack(stack, log, logPath, (started) => measureAll(started, options));
  const profiles = profileDir ? await summariseProfiles(profileDir, 20) : undefined;
  for (const profile of profiles ?? []) {
    console.log(`\n${profile.app}: ${(profile.sampledMs / 1000).toFixed(1)} s of CPU sampled (profiles in ${profileDir})`);
    printTable(['function', 'ms', '%'], profile.functions.map((share) => [share.name, String(share.ms), String(share.percent)]));
  }
  const path = await saveResult('ledger', runContext, { ...figures, ...(profiles ? { cpuProfiles: profiles } : {}) });
  console.log(`raw result: ${path}`);
}

async function measureAll(stack: Stack, options: BenchOptions) {
  // --single-only leaves out the PostEntries rows and the baseline; --requests sets both single-operation loads' size.
  const grpcEntries = options.requests ?? GRPC_ENTRIES;
  const gatewayEntries = options.requests ?? GATEWAY_ENTRIES;
  const ledger: Ledger = createGrpcClient(LedgerService, stack.billServiceUrl, { timeoutMs: 60_000, serviceCredential: stack.serviceToken });
  const run = `l${Date.now().toString(36)}`;
  const customer = (index: number) => `${run}-w${index}`;
  const measured: Measured[] = [];
  const timed = async <T>(name: string, path: Measured['path'], tasks: readonly T[], send: (task: T) => Promise<Outcome>, clients = CLIENTS, perTask = 1) => {
    const before = await sampleCpu();
    const result = await runLoad(tasks, clients, send, LOAD_DEADLINE_MS);
    const after = await sampleCpu();
    const cpuMsPerEntry = Object.fromEntries(Object.entries(cpuMsPerOperation(before, after, result.sent * perTask))
      .map(([label, ms]) => [label, Number(ms.toFixed(3))]));
    measured.push({ name, path, result, cpu: cpuShares(before, after, result.elapsedSeconds), perTask, cpuMsPerEntry });
    console.log(`${name} (${path}): ${(throughput(result) * perTask).toFixed(0)} entries/s, p99 ${percentile(result.latenciesMs, 99).toFixed(1)} ms, ` +
      `failures ${describeFailures(result.failures)}; CPU ms per entry ${JSON.stringify(cpuMsPerEntry)}`);
  };
  const usd = (amount: string) => ({ amount, currency: 'USD' });

  // Funding: one top-up per wallet. Every top-up debits the platform's one USD cash account, so
  // this is a hot-account load too (not a goal row; it is what opening 10,000 wallets costs).
  await timed('fund 10,000 wallets (top-ups, hot cash account)', 'grpc', Array.from({ length: WALLETS }, (_, index) => index),
    (index) => grpcOutcome(ledger.topUp({ customerId: customer(index), amount: usd('1000.00'), idempotencyKey: `${run}-fund-${index}` })));

  await timed('spread: transfers among 10,000 wallets', 'grpc', pairs(grpcEntries, 1), ([from, to]) => grpcOutcome(ledger.transfer({
    fromCustomerId: customer(from), toCustomerId: customer(to), amount: usd('0.01'), idempotencyKey: `${run}-t-${from}-${to}-${Math.random()}`,
  })));
  await timed('hot: credits against one revenue account', 'grpc', pairs(grpcEntries, 2), ([index]) => grpcOutcome(ledger.adjust({
    customerId: customer(index), accountKind: AccountKind.WALLET, direction: Direction.CREDIT, amount: usd('0.01'),
    reason: 'bench', idempotencyKey: `${run}-a-${index}-${Math.random()}`,
  })));

  // The same two loads through PostEntries, BATCH operations per call from BATCH_CLIENTS clients:
  // how a producer with volume would post. Every operation must come back as an entry.
  const batches = <T>(items: readonly T[]) => Array.from({ length: Math.ceil(items.length / BATCH) }, (_, index) => items.slice(index * BATCH, (index + 1) * BATCH));
  const batchOutcome = (call: Promise<{ results: Array<{ result: { case: string | undefined } }> }>): Promise<Outcome> => call.then(
    ({ results }) => (results.every((result) => result.result.case === 'entry') ? { ok: true as const } : { ok: false as const, reason: 'refused operation' }),
    (error: unknown) => ({ ok: false as const, reason: `grpc ${(error as { code?: number }).code ?? 'thrown'}` }),
  );
  if (!options.singleOnly) {
    await timed('spread: transfers among 10,000 wallets', 'grpc batch', batches(pairs(GRPC_ENTRIES, 5)), (chunk) => batchOutcome(ledger.postEntries({
      operations: chunk.map(([from, to]) => ({ operation: { case: 'transfer' as const, value: {
        fromCustomerId: customer(from), toCustomerId: customer(to), amount: usd('0.01'), idempotencyKey: `${run}-bt-${from}-${to}-${Math.random()}`,
      } } })),
    })), BATCH_CLIENTS, BATCH);
    await timed('hot: credits against one revenue account', 'grpc batch', batches(pairs(GRPC_ENTRIES, 6)), (chunk) => batchOutcome(ledger.postEntries({
      operations: chunk.map(([index]) => ({ operation: { case: 'adjustment' as const, value: {
        customerId: customer(index), accountKind: AccountKind.WALLET, direction: Direction.CREDIT, amount: usd('0.01'),
        reason: 'bench', idempotencyKey: `${run}-ba-${index}-${Math.random()}`,
      } } })),
    })), BATCH_CLIENTS, BATCH);
  }

  let serial = 0;
  await timed('spread: transfers among 10,000 wallets', 'gateway', pairs(gatewayEntries, 3), ([from, to]) => post(stack.gatewayUrl, stack.adminApiKey, '/v1/transfers', {
    fromCustomerId: customer(from), toCustomerId: customer(to), amount: '0.01', currency: 'USD',
  }, `${run}-gt-${serial++}`));
  await timed('hot: credits against one revenue account', 'gateway', pairs(gatewayEntries, 4), ([index]) => post(stack.gatewayUrl, stack.adminApiKey, '/v1/ledger/adjustments', {
    customerId: customer(index), account: 'wallet', direction: 'credit', amount: '0.01', currency: 'USD', reason: 'bench',
  }, `${run}-ga-${serial++}`));

  if (!options.singleOnly) {
    const baseline = await naiveHotRow(stack.databaseUrl);
    try {
      await timed(`baseline: one hot row, one transaction per update (plain SQL, ${BASELINE_CONNECTIONS} connections)`, 'sql',
        Array.from({ length: BASELINE_UPDATES }, (_, index) => index), () => baseline.send());
    } finally {
      await baseline.close();
    }
  }

  const books = await checkBooks(stack.databaseUrl);
  printTable(
    ['load', 'path', 'entries/s', 'p50 ms (per call)', 'p99 ms (per call)', 'failures', 'goal', 'CPU (cores)'],
    measured.map((entry) => {
      const goal = !entry.path.startsWith('grpc') ? '' : entry.name.startsWith('spread') ? `≥${GOALS.spreadPerSecond}` : entry.name.startsWith('hot') ? `≥${GOALS.hotPerSecond}` : '';
      return [entry.name, entry.path, (throughput(entry.result) * entry.perTask).toFixed(0), percentile(entry.result.latenciesMs, 50).toFixed(1),
        percentile(entry.result.latenciesMs, 99).toFixed(1), describeFailures(entry.result.failures), goal, entry.cpu];
    }),
  );
  const rate = (name: string, path: Measured['path']) => {
    const entry = measured.find((each) => each.name.startsWith(name) && each.path === path)!;
    return throughput(entry.result) * entry.perTask;
  };
  // The gateway's cost: the same single operations through it ÷ straight to the service over gRPC.
  const gatewayShare = { spread: rate('spread', 'gateway') / rate('spread', 'grpc'), hot: rate('hot', 'gateway') / rate('hot', 'grpc') };
  console.log(`gateway ÷ gRPC direct, one operation per call: spread ${formatRatio(gatewayShare.spread)}, hot ${formatRatio(gatewayShare.hot)}`);
  console.log(`books: ${JSON.stringify(books)}`);
  return {
    wallets: WALLETS,
    clients: CLIENTS,
    singleOnly: options.singleOnly,
    goals: GOALS,
    books,
    gatewayShareOfDirect: { spread: Number(gatewayShare.spread.toFixed(3)), hot: Number(gatewayShare.hot.toFixed(3)) },
    batch: { operationsPerCall: BATCH, clients: BATCH_CLIENTS },
    loads: measured.map((entry) => ({
      name: entry.name, path: entry.path, entriesPerCall: entry.perTask, calls: entry.result.sent, succeededCalls: entry.result.succeeded,
      seconds: Number(entry.result.elapsedSeconds.toFixed(2)), entriesPerSecond: Number((throughput(entry.result) * entry.perTask).toFixed(1)),
      p50Ms: Number(percentile(entry.result.latenciesMs, 50).toFixed(2)), p99Ms: Number(percentile(entry.result.latenciesMs, 99).toFixed(2)),
      failures: Object.fromEntries(entry.result.failures), cpu: entry.cpu, cpuMsPerEntry: entry.cpuMsPerEntry,
    })),
  };
}

/** One counter row updated by one short transaction each, by many clients: the naive hot account. */
async function naiveHotRow(databaseUrl: string) {
  const connections = await Promise.all(Array.from({ length: BASELINE_CONNECTIONS }, async () => {
    const client = new pg.Client({ connectionString: databaseUrl });
    await client.connect();
    return client;
  }));
  await connections[0]!.query('CREATE TABLE IF NOT EXISTS bench_hot_row (id int PRIMARY KEY, balance numeric NOT NULL)');
  await connections[0]!.query('INSERT INTO bench_hot_row VALUES (1, 0) ON CONFLICT (id) DO NOTHING');
  const idle = [...connections];
  const waiting: Array<(client: pg.Client) => void> = [];
  const acquire = () => new Promise<pg.Client>((resolve) => {
    const client = idle.pop();
    if (client) resolve(client);
    else waiting.push(resolve);
  });
  const release = (client: pg.Client) => {
    const next = waiting.shift();
    if (next) next(client);
    else idle.push(client);
  };
  return {
    async send(): Promise<Outcome> {
      const client = await acquire();
      try {
        await client.query('BEGIN');
        await client.query('UPDATE bench_hot_row SET balance = balance + 1 WHERE id = 1');
        await client.query('COMMIT');
        return { ok: true };
      } catch (error) {
        return { ok: false, reason: error instanceof Error ? error.message.slice(0, 40) : 'thrown' };
      } finally {
        release(client);
      }
    },
    close: () => Promise.all(connections.map((client) => client.end())),
  };
}

async function checkBooks(databaseUrl: string) {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const unbalanced = await client.query(`SELECT currency FROM ledger_postings GROUP BY currency
      HAVING sum(CASE WHEN direction = 'DEBIT' THEN amount_minor ELSE -amount_minor END) <> 0`);
    const drifted = await client.query(`SELECT a.id FROM ledger_accounts a LEFT JOIN ledger_postings p ON p.account_id = a.id
      GROUP BY a.id HAVING a.balance_minor <> coalesce(sum(CASE WHEN p.direction = a.normal_side THEN p.amount_minor ELSE -p.amount_minor END), 0)`);
    const negative = await client.query(`SELECT count(*)::int AS n FROM ledger_accounts WHERE kind = 'wallet' AND balance_minor < 0`);
    const counts = await client.query(`SELECT (SELECT count(*) FROM ledger_entries)::int AS entries, (SELECT count(*) FROM ledger_postings)::int AS postings`);
    return {
      unbalancedCurrencies: unbalanced.rows.length, driftedAccounts: drifted.rows.length,
      negativeWallets: (negative.rows[0] as { n: number }).n, ...(counts.rows[0] as { entries: number; postings: number }),
    };
  } finally {
    await client.end();
  }
}
