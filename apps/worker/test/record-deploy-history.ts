// Records a history that spans a deploy, into a version folder of test/histories:
//   pnpm --filter @billing/worker record-deploy-history <version> <git ref of the older code>
// A bill is opened and given items by a worker running the workflow code of <ref> (taken from git
// into a scratch folder and bundled), that worker stops, and a worker running the current code
// gives it more items and closes it, as a rolling deploy does to a bill that was open across it.
// The replay test then holds every later version of the code to that history too, which the
// single-version recordings of record-histories.ts cannot show: a patch asked for the first time
// in the middle of a run. Like record-histories.ts, it never overwrites a history.
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { addLineItemsUpdate, addLineItemUpdate, closeBillUpdate } from '@billing/bills';
import { historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import { NativeConnection } from '@temporalio/worker';
import { bundleBillWorkflows } from '../src/bundle.ts';
import { createBillWorker } from '../src/worker.ts';
import { openBillV2 } from './support/bills.ts';
import { startBillTestStack } from './support/stack.ts';

const [version, ref] = process.argv.slice(2);
if (!version || !/^v\d+$/.test(version) || !ref) {
  console.error('usage: record-deploy-history <version> <git ref of the older code>   e.g. v11 f58bac3');
  process.exit(2);
}
const name = 'items-across-deploy';
const file = join(import.meta.dirname, 'histories', version, `${name}.json`);
if (existsSync(file)) {
  console.error(`${file} exists; recorded histories are never re-recorded, pick a new version`);
  process.exit(1);
}

// The older workflow code: its workflows folder and the deadlines module they import (every other
// import out of the folder is type-only), inside this package so the bundle resolves the same
// dependencies.
const appRoot = join(import.meta.dirname, '..');
const scratch = join(appRoot, `.deploy-history-${randomUUID().slice(0, 8)}`);
const git = (...args: string[]) => execFileSync('git', args, { cwd: appRoot, encoding: 'utf8' });
const repoRoot = git('rev-parse', '--show-toplevel').trim();
const sources = [...git('ls-tree', '-r', '--name-only', '--full-name', ref, 'src/workflows').trim().split('\n'), 'apps/worker/src/deadlines.ts'];
const stack = await startBillTestStack();
try {
  for (const path of sources) {
    const target = join(scratch, path.replace(/^apps\/worker\//, ''));
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, execFileSync('git', ['show', `${ref}:${path}`], { cwd: repoRoot, encoding: 'utf8' }));
  }
  const [olderCode, currentCode] = await Promise.all([
    bundleBillWorkflows({ workflowsPath: join(scratch, 'src', 'workflows', 'index.ts'), tracing: false }),
    bundleBillWorkflows({ tracing: false }),
  ]);
  const connection = await NativeConnection.connect({ address: stack.temporalAddress });
  const taskQueue = `deploy-${randomUUID()}`;
  const runWorker = async (workflowBundle: typeof olderCode) => {
    const worker = await createBillWorker({
      connection, namespace: stack.client.options.namespace, db: stack.db, taskQueue, workflowBundle, tracing: false, ledger: stack.ledger.posting,
    });
    const running = worker.run();
    return async () => {
      worker.shutdown();
      await running;
    };
  };
  const item = (key: string, amount: string) => ({ idempotencyKey: key, description: `fee ${key}`, amount });

  const stopOlder = await runWorker(olderCode);
  const { handle } = await openBillV2({ client: stack.client, db: stack.db, taskQueue });
  await handle.executeUpdate(addLineItemUpdate, { args: [item('before-1', '1.10')] });
  await handle.executeUpdate(addLineItemsUpdate, { args: [[item('before-2', '2.20'), item('before-3', '3.30')]] });
  await stopOlder();

  const stopCurrent = await runWorker(currentCode);
  await handle.executeUpdate(addLineItemUpdate, { args: [item('after-1', '4.40')] });
  await handle.executeUpdate(addLineItemUpdate, { args: [item('before-1', '1.10')] });
  await handle.executeUpdate(addLineItemsUpdate, { args: [[item('after-2', '5.50'), item('after-3', '6.60')]] });
  await handle.executeUpdate(closeBillUpdate);
  await handle.result();
  const history = await handle.fetchHistory();
  await stopCurrent();
  await connection.close();
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, `${historyToJSON(history)}\n`, { flag: 'wx' });
  console.log(`recorded ${version}/${name} (${history.events?.length ?? 0} events), older code ${ref}`);
} finally {
  await stack.stop();
  await rm(scratch, { recursive: true, force: true });
}
