// Build step: writes the workflow bundle to dist/, so a production worker starts without webpack.
import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { bundleBillWorkflows } from './bundle.ts';

const target = fileURLToPath(new URL('./workflow-bundle.js', import.meta.url));
const { code } = await bundleBillWorkflows();
await writeFile(target, code);
console.log(`wrote ${target} (${Math.round(code.length / 1024)} KiB)`);
