// Which codes bills, their items and mandates may be in. Wallets and the ledger also hold
// registered non-fiat units (BTC, POINTS...), but what a customer is billed or collected is ISO
// 4217 money: a unit is refused as the unit it is, not as an unknown code, so the caller learns
// why. A deployment may further restrict the accepted currencies (BILL_CURRENCIES).
import {
  DEFAULT_UNITS, DEFAULT_UNITS_CONFIG, codeKind, parseBillCurrencies, parseUnitRegistry, type BillCurrencies, type UnitRegistry,
} from '@billing/money';
import { parsed } from '@billing/runtime';
import type { FieldProblem } from './errors.ts';

/**
 * `LEDGER_UNITS` (the non-fiat units wallets and the ledger hold, as `CODE:EXPONENT` pairs, default
 * `BTC:8,ETH:18,POINTS:0`) and `BILL_CURRENCIES` (the ISO 4217 codes bills, their items and
 * mandates may be in; unset: every active code). A registered unit listed in `BILL_CURRENCIES` is
 * refused as the unit it is, so the list is judged against the units `LEDGER_UNITS` registers:
 * the two are read together, units first (`readEnv` reads a spec in its key order).
 */
export function billCurrencyVariables() {
  let units = DEFAULT_UNITS;
  return {
    LEDGER_UNITS: parsed(DEFAULT_UNITS_CONFIG, (value) => (units = parseUnitRegistry(value))),
    BILL_CURRENCIES: parsed('', (value) => parseBillCurrencies(value, units)),
  };
}

export interface BillCurrencyPolicy {
  /** The registered non-fiat units (LEDGER_UNITS). */
  units: UnitRegistry;
  /** The ISO 4217 codes accepted (BILL_CURRENCIES). */
  accepted: BillCurrencies;
}

export function billCurrencyPolicy(env: { LEDGER_UNITS: UnitRegistry; BILL_CURRENCIES: BillCurrencies }): BillCurrencyPolicy {
  return { units: env.LEDGER_UNITS, accepted: env.BILL_CURRENCIES };
}

/**
 * What the policy has against `code` in `field`, where `what` names what is refused it ("bills",
 * "mandates"). A code that is neither a currency nor a unit is left to the field's own check,
 * which already names it.
 */
export function billCurrencyProblems(field: string, code: string, policy: BillCurrencyPolicy, what: string): FieldProblem[] {
  switch (codeKind(code, policy.units)) {
    case 'unit':
      return [{ field, message: `${code} is a registered non-fiat unit; ${what} take ISO 4217 currencies only` }];
    case 'iso4217':
      if (policy.accepted.codes.includes(code)) return [];
      return [{ field, message: `${code} is not accepted on ${what} here; accepted currencies: ${policy.accepted.codes.join(', ')}` }];
    case 'unknown':
      return [];
  }
}

/**
 * A shape check's problems with the policy's in place of its own word on the same field: for a
 * unit the shape check can only say "not an ISO 4217 currency", which is true but hides why.
 */
export function withPolicyProblems(problems: readonly FieldProblem[], policy: readonly FieldProblem[]): FieldProblem[] {
  if (policy.length === 0) return [...problems];
  const fields = new Set(policy.map((problem) => problem.field));
  const at = problems.findIndex((problem) => fields.has(problem.field));
  const others = problems.filter((problem) => !fields.has(problem.field));
  if (at === -1) return [...others, ...policy];
  // Where the shape check reported the field, so problems stay in the order of the fields.
  const before = problems.slice(0, at).filter((problem) => !fields.has(problem.field)).length;
  return [...others.slice(0, before), ...policy, ...others.slice(before)];
}
