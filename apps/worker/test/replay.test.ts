// Every history ever recorded (test/histories/<version>/*.json, recorded from real runs by
// test/record-histories.ts) must replay on the current workflow code: a change that breaks one
// would break the bills of that version still running in production. See docs/workflow-versioning.md.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Worker } from '@temporalio/worker';
import { expect, it } from 'vitest';
import { tracingWorkerOptions } from '../src/tracing.ts';
import { quietTemporalRuntime, workflowBundle } from './support/stack.ts';

const folder = join(import.meta.dirname, 'histories');

/** Histories are only ever added: these must all still be here (a new version adds its own). */
const KEPT = {
  v1: ['continue-as-new', 'continued-run', 'lifecycle', 'signal-item'],
  v2: ['batched-items', 'continue-as-new', 'continued-run', 'lifecycle', 'signal-item'],
  v3: ['batched-items', 'continue-as-new', 'continued-run', 'lifecycle', 'refused-item', 'signal-item'],
  v4: [
    'batched-items', 'continue-as-new', 'continued-run', 'lifecycle', 'refused-item', 'signal-item',
    'mandate-after-continue-as-new', 'mandate-awaiting-approval', 'mandate-continue-as-new', 'mandate-in-dunning', 'mandate-paused',
  ],
  // Closing bills post their invoice to the ledger; the mandate's collection books its payment.
  v5: [
    'batched-items', 'continue-as-new', 'continued-run', 'lifecycle', 'refused-item', 'signal-item',
    'mandate-after-continue-as-new', 'mandate-awaiting-approval', 'mandate-continue-as-new', 'mandate-in-dunning', 'mandate-paused',
  ],
  // Line item ids derived from the bill and the item's idempotency key, not drawn at random.
  v6: [
    'batched-items', 'continue-as-new', 'continued-run', 'lifecycle', 'refused-item', 'signal-item',
    'mandate-after-continue-as-new', 'mandate-awaiting-approval', 'mandate-continue-as-new', 'mandate-in-dunning', 'mandate-paused',
  ],
  // Mandates remember the controls they applied across continue-as-new and answer a repeat.
  v7: [
    'batched-items', 'continue-as-new', 'continued-run', 'lifecycle', 'refused-item', 'signal-item',
    'mandate-after-continue-as-new', 'mandate-awaiting-approval', 'mandate-continue-as-new', 'mandate-in-dunning', 'mandate-paused',
    'mandate-approval-repeated', 'mandate-control-applied', 'mandate-control-repeated',
  ],
  // Item and mandate text judged by the platform's one free-text rule in the handlers too.
  v8: [
    'batched-items', 'continue-as-new', 'continued-run', 'lifecycle', 'refused-item', 'signal-item',
    'mandate-after-continue-as-new', 'mandate-awaiting-approval', 'mandate-continue-as-new', 'mandate-in-dunning', 'mandate-paused',
    'mandate-approval-repeated', 'mandate-control-applied', 'mandate-control-repeated',
  ],
  // billWorkflowV2: opened by its starter, without its row and attributes, across continue-as-new.
  v9: [
    'batched-items', 'continue-as-new', 'continued-run', 'lifecycle', 'refused-item', 'signal-item',
    'mandate-after-continue-as-new', 'mandate-awaiting-approval', 'mandate-continue-as-new', 'mandate-in-dunning', 'mandate-paused',
    'mandate-approval-repeated', 'mandate-control-applied', 'mandate-control-repeated',
    'v2-continue-as-new', 'v2-continued-run', 'v2-lifecycle', 'v2-row-at-close',
  ],
  // A close in one activity (the row if missing, CLOSING, the number, the INVOICE, the documents, CLOSED).
  v10: [
    'batched-items', 'continue-as-new', 'continued-run', 'lifecycle', 'refused-item', 'signal-item',
    'mandate-after-continue-as-new', 'mandate-awaiting-approval', 'mandate-continue-as-new', 'mandate-in-dunning', 'mandate-paused',
    'mandate-approval-repeated', 'mandate-control-applied', 'mandate-control-repeated',
    'v2-continue-as-new', 'v2-continued-run', 'v2-lifecycle', 'v2-row-at-close',
  ],
  // Accepted items written by a local activity inside the Update's workflow task; and a bill
  // given items by the code before that and then by this code (record-deploy-history.ts).
  v11: [
    'batched-items', 'continue-as-new', 'continued-run', 'items-across-deploy', 'lifecycle', 'refused-item', 'signal-item',
    'mandate-after-continue-as-new', 'mandate-awaiting-approval', 'mandate-continue-as-new', 'mandate-in-dunning', 'mandate-paused',
    'mandate-approval-repeated', 'mandate-control-applied', 'mandate-control-repeated',
    'v2-continue-as-new', 'v2-continued-run', 'v2-lifecycle', 'v2-row-at-close',
  ],
  // An open bill's totals search attributes refreshed at most once a minute and sent with CLOSING
  // (or before continue-as-new); billWorkflowV3, which asks no patch of its own time; and a bill
  // open across that deploy (record-deploy-history.ts).
  v12: [
    'batched-items', 'continue-as-new', 'continued-run', 'items-across-deploy', 'lifecycle', 'refused-item', 'signal-item',
    'mandate-after-continue-as-new', 'mandate-awaiting-approval', 'mandate-continue-as-new', 'mandate-in-dunning', 'mandate-paused',
    'mandate-approval-repeated', 'mandate-control-applied', 'mandate-control-repeated',
    'v2-continue-as-new', 'v2-continued-run', 'v2-lifecycle', 'v2-row-at-close',
    'v3-continue-as-new', 'v3-continued-run', 'v3-lifecycle', 'v3-row-at-close',
  ],
};

async function recordedHistories(): Promise<Array<{ workflowId: string; history: unknown }>> {
  const versions = (await readdir(folder, { withFileTypes: true })).filter((entry) => entry.isDirectory()).map((entry) => entry.name).sort();
  const histories = [];
  for (const version of versions) {
    for (const file of (await readdir(join(folder, version))).filter((name) => name.endsWith('.json')).sort()) {
      histories.push({ workflowId: `${version}/${file}`, history: JSON.parse(await readFile(join(folder, version, file), 'utf8')) as unknown });
    }
  }
  return histories;
}

// A worker runs the bundle with the tracing interceptors when tracing is on, without them when it
// is off, and a bill may move between two such workers: every history must replay on both.
it.each([
  { tracing: false, bundle: 'without the tracing interceptors' },
  { tracing: true, bundle: 'with the tracing interceptors' },
])('replays every recorded bill and mandate history, of every version, without nondeterminism, on the bundle $bundle', async ({ tracing }) => {
  quietTemporalRuntime();
  const histories = await recordedHistories();
  const kept = Object.entries(KEPT).flatMap(([version, names]) => names.map((name) => `${version}/${name}.json`));
  expect(histories.map((history) => history.workflowId)).toEqual(expect.arrayContaining(kept));
  const failures: string[] = [];
  const replayed: string[] = [];
  const options = { workflowBundle: await workflowBundle({ tracing }), sinks: tracingWorkerOptions(tracing).sinks };
  for await (const result of Worker.runReplayHistories(options, histories)) {
    replayed.push(result.workflowId);
    if (result.error) failures.push(`${result.workflowId}: ${String(result.error)}`);
  }
  expect(failures).toEqual([]);
  expect(replayed.sort()).toEqual(histories.map((history) => history.workflowId).sort());
}, 180_000);
