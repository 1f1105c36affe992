// Bundling the workflow code for Temporal's sandbox. Our workspace packages publish their
// TypeScript sources under the `source` export condition; webpack must prefer it so the bundle
// is built from source in dev and tests, with no build of the dependencies first.
import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode } from '@temporalio/worker';
import type { WorkflowBundleWithSourceMap } from '@temporalio/worker';

export const WORKFLOWS_PATH = fileURLToPath(new URL(import.meta.url.endsWith('.ts') ? './workflows/index.ts' : './workflows/index.js', import.meta.url));

export async function bundleBillWorkflows(): Promise<WorkflowBundleWithSourceMap> {
  return bundleWorkflowCode({
    workflowsPath: WORKFLOWS_PATH,
    webpackConfigHook: (config) => ({
      ...config,
      resolve: { ...config.resolve, conditionNames: ['source', '...'] },
    }),
  });
}
