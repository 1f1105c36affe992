// What a mandate workflow is started with. Only what production sends belongs here: tests reach
// other behaviour through the worker, never through a field of this input. The state one run
// hands the next at continue-as-new is the workflow's own (`carried`), defined beside it.
import type { CarriedMandateState } from './carried-state.ts';
import type { CollectionTerms } from './views.ts';

export interface MandateWorkflowInput extends CollectionTerms {
  mandateId: string;
  customerId: string;
  description: string;
  /** Major units, decimal string. */
  amount: string;
  currency: string;
  /** RFC 3339 UTC. */
  createdAt: string;
  /** State carried across continue-as-new; absent on the first run. */
  carried?: CarriedMandateState;
}
