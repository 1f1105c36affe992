// Generates the SDK's src/gen from an API document into a folder: the committed one, or a
// scratch one that the contract check compares with it (scripts/api-contract/check.ts).
import { createClient } from '@hey-api/openapi-ts';
import { resolve } from 'node:path';
import { sdkConfig } from './openapi-ts.config.ts';

export async function generateSdk(input: string, outDir: string): Promise<void> {
  await createClient({ ...sdkConfig, input: resolve(input), output: { ...sdkConfig.output, path: resolve(outDir) } });
}
