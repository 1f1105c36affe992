// Runs benchmarks by name: `node --conditions=source src/run.ts money`, or all of them with no
// argument. Each benchmark registers here; they are never part of `npm test`. `--cpu-prof` asks a
// benchmark that runs the apps to profile them (V8 CPU profiles) and report where their time went;
// `--single-only` and `--requests=N` shorten the ledger and usage benchmarks to their
// one-operation-per-request loads; `--creation-only` runs only the bills benchmark's creation
// loads and their floor.
import { runBillsBenchmark } from './bills.ts';
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
};

const args = process.argv.slice(2).filter((arg) => arg !== '--');
const requestsFlag = args.find((arg) => arg.startsWith('--requests='));
const options: BenchOptions = {
  cpuProfile: args.includes('--cpu-prof'),
  singleOnly: args.includes('--single-only'),
  creationOnly: args.includes('--creation-only'),
  requests: requestsFlag === undefined ? undefined : Number(requestsFlag.slice('--requests='.length)),
};
if (options.requests !== undefined && !(Number.isInteger(options.requests) && options.requests > 0)) {
  console.error('--requests must be a positive whole number');
  process.exit(2);
}
const requested = args.filter((arg) => !arg.startsWith('--'));
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
