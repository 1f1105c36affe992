// Runs benchmarks by name: `node --conditions=source src/run.ts money`, or all of them with no
// argument. Each benchmark registers here; they are never part of `npm test`. `--cpu-prof` asks a
// benchmark that runs the apps to profile them (V8 CPU profiles) and report where their time went;
// `--single-only` and `--requests=N` shorten the ledger and usage benchmarks to their
// one-operation-per-request loads; `--creation-only` runs only the bills benchmark's creation
// loads and their floor; `--bills N` sets how many bills documents-close makes (10,000 by default),
// `--cached-workflows N` the workflows its worker keeps in memory.
import { runBillsBenchmark } from './bills.ts';
import { runDocumentsCloseBenchmark } from './documents-close.ts';
import { runDocumentsBenchmark } from './documents.ts';
import { runEventsBenchmark } from './events.ts';
import { runLedgerBenchmark } from './ledger.ts';
import { runMandatesBenchmark } from './mandates.ts';
import { runMoneyBenchmark } from './money.ts';
import { runRateLimitBenchmark } from './rate-limit.ts';
import { runRatesBenchmark } from './rates.ts';
import { runReplicasBenchmark } from './replicas.ts';
import { runUsageBenchmark } from './usage.ts';

export interface BenchOptions {
  cpuProfile: boolean;
  /** `--single-only`: a benchmark that has them runs only its one-operation-per-request loads. */
  singleOnly: boolean;
  /** `--requests=N`: how many requests a one-operation-per-request load sends (the benchmark's default otherwise). */
  requests?: number;
  /** `--creation-only`: the bills benchmark runs only its creation loads and the empty start floor. */
  creationOnly: boolean;
  /** `--bills N`: how many bills a benchmark that closes bills makes (documents-close). */
  bills?: number;
  /** `--cached-workflows N`: the worker's WORKER_MAX_CACHED_WORKFLOWS (documents-close; the SDK's default otherwise). */
  cachedWorkflows?: number;
}

const benchmarks: Record<string, (options: BenchOptions) => Promise<void>> = {
  money: runMoneyBenchmark,
  rates: runRatesBenchmark,
  bills: runBillsBenchmark,
  mandates: runMandatesBenchmark,
  ledger: runLedgerBenchmark,
  'rate-limit': runRateLimitBenchmark,
  events: runEventsBenchmark,
  usage: runUsageBenchmark,
  replicas: runReplicasBenchmark,
  documents: runDocumentsBenchmark,
  'documents-close': runDocumentsCloseBenchmark,
};

/** Options that take a value, as `--name value` or `--name=value`: a positive whole number each. */
const VALUED = ['bills', 'requests', 'cached-workflows'] as const;

const args = process.argv.slice(2).filter((arg) => arg !== '--');
const values = new Map<string, number>();
const rest: string[] = [];
for (let index = 0; index < args.length; index += 1) {
  const arg = args[index] as string;
  const name = VALUED.find((option) => arg === `--${option}` || arg.startsWith(`--${option}=`));
  if (name === undefined) {
    rest.push(arg);
    continue;
  }
  const text = arg.includes('=') ? arg.slice(arg.indexOf('=') + 1) : args[(index += 1)];
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < 1) {
    console.error(`--${name} needs a positive whole number, got ${text ?? 'nothing'}`);
    process.exit(2);
  }
  values.set(name, value);
}
const options: BenchOptions = {
  cpuProfile: rest.includes('--cpu-prof'),
  singleOnly: rest.includes('--single-only'),
  creationOnly: rest.includes('--creation-only'),
  requests: values.get('requests'),
  bills: values.get('bills'),
  cachedWorkflows: values.get('cached-workflows'),
};
const requested = rest.filter((arg) => !arg.startsWith('--'));
const names = requested.length > 0 ? requested : Object.keys(benchmarks);
const unknown = names.filter((name) => !(name in benchmarks));
if (unknown.length > 0) {
  console.error(`unknown benchmark ${unknown.join(', ')}; known: ${Object.keys(benchmarks).join(', ')}`);
  process.exit(2);
}
for (const name of names) {
  console.log(`\n== bench ${name} ==`);
  await (benchmarks[name] as (options: BenchOptions) => Promise<void>)(options);
}
