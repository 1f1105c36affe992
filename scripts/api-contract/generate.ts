// `pnpm run api:generate`: everything generated from the contracts, written where it is committed.
//
//   1. api/openapi.json       the gateway's OpenAPI document, exported without a server
//   2. packages/sdk/src/gen   the TypeScript SDK's generated code, from that document
//   3. clients/go/gen         the Go client's generated code, from proto/ (buf + protoc-gen-go and
//                             protoc-gen-connect-go, which the bootstrap builds into the tools cache)
//
// `--release` also writes api/released/v<major>/ (the document and the proto image) for the major
// version the document states: run it in the commit that bumps the major version (docs/api-contract.md).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { exportOpenApi } from '../../apps/gateway/src/openapi-export.ts';
import { generateSdk } from '../../packages/sdk/generate.ts';
import {
  BUF, DOCUMENT, GO_GEN, GO_TEMPLATE, majorVersionOf, PROTO, RELEASED_DOCUMENT, RELEASED_PROTO_IMAGE, releasedDir, ROOT, runTool, SDK_GEN,
} from './contract.ts';

const print = (line: string) => process.stdout.write(`${line}\n`);

const document = await exportOpenApi();
writeFileSync(DOCUMENT, document);
print(`wrote ${DOCUMENT}`);
await generateSdk(DOCUMENT, SDK_GEN);
print(`wrote ${SDK_GEN}`);
const go = runTool(BUF, ['generate', join(PROTO, 'src'), '--template', GO_TEMPLATE, '--output', join(ROOT, 'clients', 'go')]);
if (go.status !== 0) throw new Error(`buf generate for Go failed (are protoc-gen-go and protoc-gen-connect-go on PATH?):\n${go.output}`);
print(`wrote ${GO_GEN}`);

if (process.argv.includes('--release')) {
  const dir = releasedDir(majorVersionOf(document));
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, RELEASED_DOCUMENT), document);
  const image = runTool(BUF, ['build', join(PROTO, 'src'), '--exclude-source-info', '-o', join(dir, RELEASED_PROTO_IMAGE)]);
  if (image.status !== 0) throw new Error(`buf build failed:\n${image.output}`);
  print(`wrote ${dir}: the baseline every later change is checked against`);
}
