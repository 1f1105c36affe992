// Bundling the workflow code for Temporal's sandbox. Our workspace packages publish their
// TypeScript sources under the `source` export condition; webpack must prefer it so the bundle
// is built from source in dev and tests, with no build of the dependencies first.
import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode } from '@temporalio/worker';
import type { WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { WORKFLOW_TRACING_MODULE } from './tracing.ts';

export const WORKFLOWS_PATH = fileURLToPath(new URL(import.meta.url.endsWith('.ts') ? './workflows/index.ts' : './workflows/index.js', import.meta.url));

/** Bundles the bill workflows; tests pass their own entry point, which adds test-only workflows. */
export async function bundleBillWorkflows(workflowsPath = WORKFLOWS_PATH): Promise<WorkflowBundleWithSourceMap> {
  return bundleWorkflowCode({
    workflowsPath,
    workflowInterceptorModules: [WORKFLOW_TRACING_MODULE],
    webpackConfigHook: (config) => ({
      ...config,
      resolve: { ...config.resolve, conditionNames: ['source', '...'] },
    }),
  });
}
