// Build step: writes both workflow bundles to dist/ (with and without the tracing interceptors),
// so a production worker starts without webpack and runs the one its tracing setting asks for.
import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { bundleBillWorkflows, prebuiltBundleName } from './bundle.ts';

for (const tracing of [false, true]) {
  const target = fileURLToPath(new URL(`./${prebuiltBundleName(tracing)}`, import.meta.url));
  const { code } = await bundleBillWorkflows({ tracing });
  await writeFile(target, code);
  console.log(`wrote ${target} (${Math.round(code.length / 1024)} KiB)`);
}
