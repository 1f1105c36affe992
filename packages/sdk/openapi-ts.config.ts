// How src/gen is generated from the committed API document (`pnpm run api:generate` at the root,
// or `pnpm --filter @billing/sdk generate`). The output is committed and never edited by hand; CI
// generates again and fails on any difference (docs/api-contract.md).
import { defineConfig, type UserConfig } from '@hey-api/openapi-ts';

export const sdkConfig = {
  input: '../../api/openapi.json',
  output: { path: 'src/gen', importFileExtension: '.ts', clean: true },
  logs: { level: 'silent' },
  plugins: [
    // A failed call throws (a BillingApiError, see src/client.ts), so a result always holds its data.
    { name: '@hey-api/client-fetch', throwOnError: true },
    '@hey-api/typescript',
    // Every operation as a method of one class, bound to the client it is constructed with.
    { name: '@hey-api/sdk', operations: { strategy: 'single', containerName: 'BillingApi' } },
  ],
} satisfies UserConfig;

export default defineConfig(sdkConfig);
