// `pnpm --filter @billing/sdk generate`: src/gen from the committed api/openapi.json. The output
// is committed and never edited by hand; CI generates again and fails on any difference.
import { defineConfig } from '@hey-api/openapi-ts';

export default defineConfig({
  input: '../../api/openapi.json',
  output: { path: 'src/gen', importFileExtension: '.ts', clean: true },
  plugins: [
    // A failed call throws (BillingApiError, see src/client.ts), so a result always holds its data.
    { name: '@hey-api/client-fetch', throwOnError: true },
    '@hey-api/typescript',
    // Every operation as a method of one class, bound to the client it is constructed with.
    { name: '@hey-api/sdk', operations: { strategy: 'single', containerName: 'BillingApi' } },
  ],
});
