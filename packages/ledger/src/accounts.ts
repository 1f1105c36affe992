// The ledger's account model: which accounts exist, what they are called and which side each one
// grows on. docs/ledger.md explains the choices.

export type AccountKind = 'receivable' | 'wallet' | 'revenue' | 'cash' | 'fx' | 'external' | 'contrarevenue';
export type Side = 'DEBIT' | 'CREDIT';

/** The side an account's balance grows on; its balance is shown in that direction. */
export const NORMAL_SIDE: Readonly<Record<AccountKind, Side>> = {
  receivable: 'DEBIT', cash: 'DEBIT', fx: 'DEBIT', external: 'DEBIT', wallet: 'CREDIT', revenue: 'CREDIT',
  // What credit notes took back from revenue: revenue less contra-revenue is what was earned.
  contrarevenue: 'DEBIT',
};

/** An account named by what it is; it is created the first time an entry posts to it. */
export type AccountRef =
  | { kind: 'receivable' | 'wallet'; currency: string; customerId: string }
  | { kind: 'revenue' | 'cash' | 'fx' | 'contrarevenue'; currency: string }
  | { kind: 'external'; currency: string; provider: string };

/**
 * The account's id, derived from what it is so that no lookup is needed to post to it:
 * `acc_wallet_USD_cus-42`, `acc_revenue_USD`, `acc_external_USD_simulator`. Kinds and currency
 * codes contain no underscore and the owner comes last, so two different accounts never share an id.
 */
export function accountId(ref: AccountRef): string {
  switch (ref.kind) {
    case 'receivable':
    case 'wallet':
      return `acc_${ref.kind}_${ref.currency}_${ref.customerId}`;
    case 'external':
      return `acc_external_${ref.currency}_${ref.provider}`;
    default:
      return `acc_${ref.kind}_${ref.currency}`;
  }
}
