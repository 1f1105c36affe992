// A worker run from source (npm start, the system tests) bundles its workflows with webpack at
// start: about 5 s of CPU each time. Test suites start workers dozens of times (every stack, every
// restart in a chaos test), so the bundle is kept on disk and reused while nothing it could be built
// from has changed. The worker's own tests keep their bundles (production's workflows plus test
// wrappers) here too. A built worker (dist/, the container image) never comes here: it loads the
// bundle `pnpm build` wrote.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const CACHE_DIR = join(ROOT, 'node_modules', '.cache', 'billing-workflow-bundles');

/**
 * Everything a workflow bundle can be built from: the worker's sources, the workspace packages'
 * sources (workflows import @billing/* from source), the lockfile (third-party code, webpack
 * and the SDK) and `extraDirs` (a test bundle's own workflows). Over-inclusive on purpose: a
 * change anywhere there builds a fresh bundle.
 */
function inputFiles(extraDirs: readonly string[]): string[] {
  const files: string[] = [join(ROOT, 'pnpm-lock.yaml')];
  const walk = (dir: string) => {
    if (!existsSync(dir)) return;
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (/\.(ts|js|mjs|json)$/.test(entry.name)) files.push(path);
    }
  };
  walk(join(ROOT, 'apps', 'worker', 'src'));
  for (const dir of extraDirs) walk(dir);
  for (const name of readdirSync(join(ROOT, 'packages'))) {
    walk(join(ROOT, 'packages', name, 'src'));
    files.push(join(ROOT, 'packages', name, 'package.json'));
  }
  return files.filter((file) => existsSync(file)).sort();
}

/** The content hash of every input, and of the variant (say, which interceptors are bundled). */
export function bundleFingerprint(variant: string, extraDirs: readonly string[] = []): string {
  const hash = createHash('sha256').update(variant).update('\0');
  for (const file of inputFiles(extraDirs)) hash.update(relative(ROOT, file)).update('\0').update(readFileSync(file)).update('\0');
  return hash.digest('hex').slice(0, 32);
}

/**
 * The path of a bundle built by `build` from the current sources (and `extraDirs`, folders outside
 * the usual inputs it is built from too): the cached one when there is one, else a fresh one,
 * written atomically so concurrent workers never read half a file. A bundle's file name holds its
 * fingerprint, so an older one never replaces a newer one.
 */
export async function cachedWorkflowBundle(variant: string, build: () => Promise<{ code: string }>, extraDirs: readonly string[] = [])
  : Promise<{ codePath: string }> {
  const codePath = join(CACHE_DIR, `${variant}-${bundleFingerprint(variant, extraDirs)}.js`);
  if (existsSync(codePath)) return { codePath };
  const { code } = await build();
  mkdirSync(CACHE_DIR, { recursive: true });
  const partial = `${codePath}.${process.pid}.tmp`;
  writeFileSync(partial, code);
  renameSync(partial, codePath);
  // Bundles of this variant built from older sources are of no further use.
  for (const name of readdirSync(CACHE_DIR)) {
    if (name.startsWith(`${variant}-`) && name.endsWith('.js') && join(CACHE_DIR, name) !== codePath) rmSync(join(CACHE_DIR, name), { force: true });
  }
  return { codePath };
}
