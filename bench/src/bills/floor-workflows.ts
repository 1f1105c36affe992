// The bare-Temporal floor of the bills benchmark: the smallest workflow that has the bill
// workflow's shape. It does no work when it starts and stays open, waiting for Updates, as a bill
// does; each Update does nothing, or awaits one activity, or one local activity, that does nothing.
// Bundled for the sandbox by the benchmark and run by a worker inside the benchmark's process, on
// the same Temporal dev server as the bills, so what it measures is Temporal's own cost per
// operation on this machine at that moment: what our figures are divided by.
import { condition, defineUpdate, proxyActivities, proxyLocalActivities, setHandler } from '@temporalio/workflow';

export interface FloorActivities {
  nothing(): Promise<void>;
}

export const bareUpdate = defineUpdate<void>('floorBare');
export const activityUpdate = defineUpdate<void>('floorActivity');
export const localActivityUpdate = defineUpdate<void>('floorLocalActivity');

const { nothing } = proxyActivities<FloorActivities>({ startToCloseTimeout: '1 minute' });
const { nothing: nothingLocally } = proxyLocalActivities<FloorActivities>({ startToCloseTimeout: '1 minute' });

export async function floorWorkflow(): Promise<void> {
  setHandler(bareUpdate, () => {});
  setHandler(activityUpdate, () => nothing());
  setHandler(localActivityUpdate, () => nothingLocally());
  await condition(() => false);
}
