// Histories recorded from real runs (test/record-histories.ts) must replay on the current
// workflow code: a change that breaks them would break bills that are running in production.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Worker } from '@temporalio/worker';
import { expect, it } from 'vitest';
import { quietTemporalRuntime, workflowBundle } from './support/stack.ts';

const folder = join(import.meta.dirname, 'histories');

it('replays every recorded bill history without nondeterminism', async () => {
  quietTemporalRuntime();
  const files = (await readdir(folder)).filter((file) => file.endsWith('.json')).sort();
  expect(files).toEqual(['batched-items.json', 'continue-as-new.json', 'continued-run.json', 'lifecycle.json', 'signal-item.json']);
  const histories = await Promise.all(files.map(async (file) => ({
    workflowId: file, history: JSON.parse(await readFile(join(folder, file), 'utf8')) as unknown,
  })));
  const failures: string[] = [];
  for await (const result of Worker.runReplayHistories({ workflowBundle: await workflowBundle() }, histories)) {
    if (result.error) failures.push(`${result.workflowId}: ${String(result.error)}`);
  }
  expect(failures).toEqual([]);
});
