// The search attributes a mandate workflow sets (and only it), so
// `temporal workflow list --query "MandateStatus='PAST_DUE'"` finds mandates by customer, status
// and next collection. The same names and types are registered by the dev server
// (packages/devstack) and by compose (infra/temporal/register-search-attributes.sh).
import { defineSearchAttributeKey } from '@temporalio/common';
import type { SearchAttributeUpdatePair } from '@temporalio/common';
import type { MandateStatus } from './views.ts';

export const mandateSearchAttributes = {
  customerId: defineSearchAttributeKey('MandateCustomerId', 'KEYWORD'),
  status: defineSearchAttributeKey('MandateStatus', 'KEYWORD'),
  /** The moment of the next collection; removed when none is planned (paused until resumed, ended). */
  nextCollection: defineSearchAttributeKey('MandateNextCollection', 'DATETIME'),
};

export function mandateSearchAttributePairs(
  customerId: string, status: MandateStatus, nextCollection: Date | null,
): SearchAttributeUpdatePair[] {
  return [
    { key: mandateSearchAttributes.customerId, value: customerId },
    { key: mandateSearchAttributes.status, value: status },
    { key: mandateSearchAttributes.nextCollection, value: nextCollection },
  ];
}
