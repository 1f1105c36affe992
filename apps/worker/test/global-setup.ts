import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestProject } from 'vitest/node';
import { bundleBillWorkflows } from '../src/bundle.ts';
import { installTestServer } from '../test-server/install.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    /**
     * A folder with the test worker's workflow bundles, made once per run: bundle.js (and .map)
     * without the tracing interceptors, traced/bundle.js with them.
     */
    workflowBundleDir: string;
  }
}

/**
 * Installs Temporal's Java time-skipping test server into the tools cache once, and bundles the
 * test worker's workflows once for every test file (a bundle per file cost seconds each), with
 * and without the tracing interceptors.
 */
export default async function setup(project: TestProject): Promise<() => void> {
  const dir = mkdtempSync(join(tmpdir(), 'worker-test-bundle-'));
  const workflowsPath = fileURLToPath(new URL('./workflows/index.ts', import.meta.url));
  const [bundle, traced] = await Promise.all([
    bundleBillWorkflows({ workflowsPath, tracing: false }),
    bundleBillWorkflows({ workflowsPath, tracing: true }),
    installTestServer(),
  ]);
  mkdirSync(join(dir, 'traced'));
  writeFileSync(join(dir, 'bundle.js'), bundle.code);
  writeFileSync(join(dir, 'bundle.js.map'), bundle.sourceMap);
  writeFileSync(join(dir, 'traced', 'bundle.js'), traced.code);
  writeFileSync(join(dir, 'traced', 'bundle.js.map'), traced.sourceMap);
  project.provide('workflowBundleDir', dir);
  return () => rmSync(dir, { recursive: true, force: true });
}
