// Bundling the workflow code for Temporal's sandbox. Our workspace packages publish their
// TypeScript sources under the `source` export condition; webpack must prefer it so the bundle
// is built from source in dev and tests, with no build of the dependencies first.
//
// Two bundles of the same workflows: with Temporal's tracing interceptors (tracing on), and
// without them (tracing off). The interceptors add no command, so a history replays the same on
// either; but they create about twenty promises per line item in the sandbox even when every
// span is dropped, and the SDK captures a stack for each (docs/bills.md), so a worker with
// tracing off runs the bundle without them.
import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode } from '@temporalio/worker';
import type { WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { tracingConfigured, WORKFLOW_TRACING_MODULE } from './tracing.ts';

export const WORKFLOWS_PATH = fileURLToPath(new URL(import.meta.url.endsWith('.ts') ? './workflows/index.ts' : './workflows/index.js', import.meta.url));

export interface BundleOptions {
  /** Entry point: production's workflows by default; tests pass their own, which adds test-only workflows. */
  workflowsPath?: string;
  /**
   * Bundles the tracing interceptors: a worker with tracing on runs this bundle (and
   * tracingWorkerOptions). By default, when the OTEL_* variables configure an endpoint.
   */
  tracing?: boolean;
}

/**
 * Our domain packages the workflows import, loaded once per workflow thread and shared by every
 * workflow instead of evaluated again for each (the SDK's `preloadModules`). They hold no
 * per-workflow state: constants, pure functions, Temporal message definitions, and one cache of
 * `Intl.DateTimeFormat`s by time zone, which answers the same for every workflow. The SDK freezes
 * what they export, so a module that mutated its exports would fail loudly, not leak.
 */
const PRELOADED_MODULES = ['@billing/money', '@billing/calendar', '@billing/text', '@billing/bills', '@billing/mandates'] as const;

/** The prebuilt bundle's file name in dist/ (bundle-workflows.ts writes both). */
export function prebuiltBundleName(tracing: boolean): string {
  return tracing ? 'workflow-bundle-traced.js' : 'workflow-bundle.js';
}

/** Bundles the bill and mandate workflows. */
export async function bundleBillWorkflows(
  { workflowsPath = WORKFLOWS_PATH, tracing = tracingConfigured() }: BundleOptions = {},
): Promise<WorkflowBundleWithSourceMap> {
  return bundleWorkflowCode({
    workflowsPath,
    workflowInterceptorModules: tracing ? [WORKFLOW_TRACING_MODULE] : [],
    preloadModules: [...PRELOADED_MODULES],
    webpackConfigHook: (config) => ({
      ...config,
      resolve: { ...config.resolve, conditionNames: ['source', '...'] },
    }),
  });
}
