// @billing/money against dinero.js 2.0.2 on the same operations, in one run. dinero.js is timed
// twice: with its default number calculator and with its bigint calculator, the like-for-like
// comparison since our amounts are bigint. Before timing, every pair must produce the same
// decimal string, so the table compares equal work.
import {
  add, allocate, convert, Money, multiply, parseMoney, parseQuantity, parseRate,
} from '@billing/money';
import * as dn from 'dinero.js';
import * as db from 'dinero.js/bigint';
import { measure } from './timing.ts';
import type { Candidate } from './timing.ts';
import { beginRun, saveResult } from './results.ts';
import { formatRate, formatRatio, printTable } from './table.ts';

type Operation = {
  readonly name: string;
  readonly ours: () => unknown;
  readonly dineroNumber: () => unknown;
  readonly dineroBigint: () => unknown;
  /** Renders a result as decimal strings so the three implementations can be checked equal. */
  readonly show: (result: unknown) => string;
};

const NOTES = [
  'parse: dinero.js has no string parser; its column builds an object from minor units instead.',
  'multiply/convert: dinero.js multiplies exactly, then transformScale(…, 2, halfEven) rounds once.',
];

function operations(): Operation[] {
  const ours = parseMoney('1234.56', 'USD');
  const oursOther = parseMoney('0.99', 'USD');
  const quantity = parseQuantity('1.2345');
  const rate = parseRate('0.92345');
  const num = dn.dinero({ amount: 123456, currency: dn.USD });
  const numOther = dn.dinero({ amount: 99, currency: dn.USD });
  const big = db.dinero({ amount: 123456n, currency: db.USD });
  const bigOther = db.dinero({ amount: 99n, currency: db.USD });

  const showMoney = (value: unknown): string =>
    value instanceof Money ? value.toDecimalString() : dn.toDecimal(value as dn.Dinero<number>);
  const showParts = (value: unknown): string => (value as unknown[]).map(showMoney).join(' ');
  const showText = (value: unknown): string => String(value);

  return [
    {
      name: 'parse "1234.56" USD *',
      ours: () => parseMoney('1234.56', 'USD'),
      dineroNumber: () => dn.dinero({ amount: 123456, currency: dn.USD }),
      dineroBigint: () => db.dinero({ amount: 123456n, currency: db.USD }),
      show: showMoney,
    },
    {
      name: 'from minor units',
      ours: () => Money.fromMinor(123456n, 'USD'),
      dineroNumber: () => dn.dinero({ amount: 123456, currency: dn.USD }),
      dineroBigint: () => db.dinero({ amount: 123456n, currency: db.USD }),
      show: showMoney,
    },
    {
      name: 'add',
      ours: () => add(ours, oursOther),
      dineroNumber: () => dn.add(num, numOther),
      dineroBigint: () => db.add(big, bigOther),
      show: showMoney,
    },
    {
      name: 'multiply × 1.2345, half-even',
      ours: () => multiply(ours, quantity),
      dineroNumber: () => dn.transformScale(dn.multiply(num, { amount: 12345, scale: 4 }), 2, dn.halfEven),
      dineroBigint: () => db.transformScale(db.multiply(big, { amount: 12345n, scale: 4n }), 2n, db.halfEven),
      show: showMoney,
    },
    {
      name: 'convert USD→EUR @0.92345',
      ours: () => convert(ours, rate, 'EUR'),
      dineroNumber: () => dn.transformScale(dn.convert(num, dn.EUR, { EUR: { amount: 92345, scale: 5 } }), 2, dn.halfEven),
      dineroBigint: () =>
        db.transformScale(db.convert(big, db.EUR, { EUR: { amount: 92345n, scale: 5n } }), 2n, db.halfEven),
      show: showMoney,
    },
    {
      name: 'allocate 3 ways',
      ours: () => allocate(ours, [1, 1, 1]),
      dineroNumber: () => dn.allocate(num, [1, 1, 1]),
      dineroBigint: () => db.allocate(big, [1n, 1n, 1n]),
      show: showParts,
    },
    {
      name: 'format to decimal string',
      ours: () => ours.toDecimalString(),
      dineroNumber: () => dn.toDecimal(num),
      dineroBigint: () => db.toDecimal(big),
      show: showText,
    },
  ];
}

/** Refuses to time operations whose results differ: a faster wrong answer is no result. */
function checkSameResults(list: readonly Operation[]): void {
  for (const op of list) {
    const results = [op.ours(), op.dineroNumber(), op.dineroBigint()].map(op.show);
    if (new Set(results).size !== 1) {
      throw new Error(`"${op.name}" gives different results: ${results.join(' | ')}`);
    }
  }
}

export async function runMoneyBenchmark(): Promise<void> {
  const run = beginRun();
  const list = operations();
  checkSameResults(list);
  const rows: string[][] = [];
  const figures: Array<{ operation: string; opsPerSecond: Record<string, number> }> = [];
  for (const op of list) {
    const candidates: Candidate[] = [
      { name: 'ours', run: op.ours },
      { name: 'number', run: op.dineroNumber },
      { name: 'bigint', run: op.dineroBigint },
    ];
    const rates = measure(candidates);
    const ours = rates.get('ours') ?? 0;
    const number = rates.get('number') ?? 0;
    const bigint = rates.get('bigint') ?? 0;
    figures.push({ operation: op.name, opsPerSecond: { ours, dineroNumber: number, dineroBigint: bigint } });
    rows.push([op.name, formatRate(ours), formatRate(number), formatRatio(ours / number),
      formatRate(bigint), formatRatio(ours / bigint)]);
  }
  console.log(`node ${process.version}, ops/s = median of 7 rounds of ~100 ms after warm-up; higher is better`);
  printTable(['operation', '@billing/money', 'dinero number', 'ours/dinero', 'dinero bigint', 'ours/dinero'], rows);
  for (const note of NOTES) console.log(`* ${note}`);
  await saveResult('money', run, { unit: 'median ops/s of 7 rounds', operations: figures });
}
