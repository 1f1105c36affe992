// The bare-Temporal floor of the bills benchmark: the smallest workflow that has the bill
// workflow's shape. It does no work when it starts and stays open, waiting for Updates, as a bill
// does; each Update does nothing, or awaits one activity, or one local activity, that does nothing
// (or, for the last kind, carries payloads the size of a bill's item through the same steps).
// Bundled for the sandbox by the benchmark and run by a worker inside the benchmark's process, on
// the same Temporal dev server as the bills, so what it measures is Temporal's own cost per
// operation on this machine at that moment: what our figures are divided by.
import { condition, defineUpdate, proxyActivities, proxyLocalActivities, setHandler } from '@temporalio/workflow';

export interface FloorActivities {
  nothing(): Promise<void>;
  /** Returns `size` characters, as the bill's item write returns the stored item and totals. */
  stored(size: number): Promise<string>;
}

/**
 * The payloads of one item added to a bill, in bytes, as a recorded history of `billWorkflowV3`
 * holds them (apps/worker/test/histories/v12/v3-lifecycle.json: the Update's argument 62–127, the
 * item write's marker 1,233 for two items, each Update's result 782–783): what the kind below
 * sends through Temporal instead of nothing.
 */
export const ITEM_PAYLOAD_BYTES = { argument: 100, stored: 620, answer: 780 } as const;

export const bareUpdate = defineUpdate<void>('floorBare');
export const activityUpdate = defineUpdate<void>('floorActivity');
export const localActivityUpdate = defineUpdate<void>('floorLocalActivity');
export const itemSizedUpdate = defineUpdate<string, [string]>('floorLocalActivityItemSized');

const { nothing } = proxyActivities<FloorActivities>({ startToCloseTimeout: '1 minute' });
const { nothing: nothingLocally, stored } = proxyLocalActivities<FloorActivities>({ startToCloseTimeout: '1 minute' });

export async function floorWorkflow(): Promise<void> {
  setHandler(bareUpdate, () => {});
  setHandler(activityUpdate, () => nothing());
  setHandler(localActivityUpdate, () => nothingLocally());
  setHandler(itemSizedUpdate, async (argument) => {
    const written = await stored(ITEM_PAYLOAD_BYTES.stored);
    return (argument + written).padEnd(ITEM_PAYLOAD_BYTES.answer, '.').slice(0, ITEM_PAYLOAD_BYTES.answer);
  });
  await condition(() => false);
}
