// Runs benchmarks by name: `node --conditions=source src/run.ts money`, or all of them with no
// argument. Each benchmark registers here; they are never part of `npm test`.
import { runBillsBenchmark } from './bills.ts';
import { runMandatesBenchmark } from './mandates.ts';
import { runMoneyBenchmark } from './money.ts';
import { runRatesBenchmark } from './rates.ts';

const benchmarks: Record<string, () => Promise<void>> = {
  money: runMoneyBenchmark,
  rates: runRatesBenchmark,
  bills: runBillsBenchmark,
  mandates: runMandatesBenchmark,
};

const requested = process.argv.slice(2).filter((arg) => arg !== '--');
const names = requested.length > 0 ? requested : Object.keys(benchmarks);
const unknown = names.filter((name) => !(name in benchmarks));
if (unknown.length > 0) {
  console.error(`unknown benchmark ${unknown.join(', ')}; known: ${Object.keys(benchmarks).join(', ')}`);
  process.exit(2);
}
for (const name of names) {
  console.log(`\n== bench ${name} ==`);
  await (benchmarks[name] as () => Promise<void>)();
}
