// The API contract guard, a static check of `npm test` (no stack, a few seconds):
//
//   1. the gateway's document exported now equals the committed api/openapi.json;
//   2. the SDK generated from it now equals the committed packages/sdk/src/gen, and the Go client
//      generated from proto/ equals clients/go/gen;
//   3. the release rule: api/released/v<N> is the baseline of the major version the document
//      states, `oasdiff breaking` finds no breaking change from its document and `buf breaking` none
//      from its proto image, and no commit ever changed a baseline after the commit that created it.
//
// A breaking change is made on purpose by bumping the major version (`info.version` in
// apps/gateway/src/openapi.ts) and moving the baseline in the same commit: docs/api-contract.md.
//
//   node --conditions=source scripts/api-contract/check.ts
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { exportOpenApi } from '../../apps/gateway/src/openapi-export.ts';
import { generateSdk } from '../../packages/sdk/generate.ts';
import {
  baselineEdits, BUF, DOCUMENT, GO_GEN, GO_TEMPLATE, majorVersionOf, PROTO, readDocument, RELEASED_DOCUMENT, RELEASED_PROTO_IMAGE, releasedDir,
  releasedVersions, ROOT, runTool, SDK_GEN,
} from './contract.ts';

const REGENERATE = 'run `pnpm run api:generate` and commit the result';
const failures: string[] = [];
const print = (line: string) => process.stdout.write(`${line}\n`);

/** Every file under a folder, by its path inside it, with its content. */
function filesOf(dir: string): Map<string, string> {
  const files = new Map<string, string>();
  const walk = (at: string) => {
    for (const name of readdirSync(at)) {
      const path = join(at, name);
      if (statSync(path).isDirectory()) walk(path);
      else files.set(relative(dir, path), readFileSync(path, 'utf8'));
    }
  };
  if (existsSync(dir)) walk(dir);
  return files;
}

function compareFolders(what: string, committed: string, fresh: string): void {
  const want = filesOf(fresh);
  const have = filesOf(committed);
  const differing = [...new Set([...want.keys(), ...have.keys()])].filter((path) => want.get(path) !== have.get(path)).sort();
  if (differing.length > 0) {
    failures.push(`${what} differs from what the generator writes now (${differing.slice(0, 5).join(', ')}${differing.length > 5 ? ', …' : ''}): ${REGENERATE}`);
  }
}

const work = mkdtempSync(join(tmpdir(), 'api-contract-'));
try {
  // 1. The document.
  const exported = await exportOpenApi();
  const committed = readDocument();
  if (exported !== committed) failures.push(`api/openapi.json is not what the gateway serves now: ${REGENERATE}`);

  // 2. The generated clients, from what is committed (a stale document is reported above).
  await generateSdk(DOCUMENT, join(work, 'sdk'));
  compareFolders('packages/sdk/src/gen', SDK_GEN, join(work, 'sdk'));
  const go = runTool(BUF, ['generate', join(PROTO, 'src'), '--template', GO_TEMPLATE, '--output', join(work, 'go')]);
  if (go.status !== 0) failures.push(`buf generate for the Go client failed:\n${go.output}`);
  else compareFolders('clients/go/gen', GO_GEN, join(work, 'go', 'gen'));

  // 3. The release rule.
  const major = majorVersionOf(committed);
  const released = releasedVersions();
  if (released.length !== 1 || released[0] !== major) {
    failures.push(`api/released holds ${released.map((version) => `v${version}`).join(', ') || 'nothing'}, but the document is ` +
      `version ${major}: a release moves the baseline in the commit that bumps the major version ` +
      '(`pnpm run api:generate --release`, then remove the previous one)');
  } else {
    const baseline = releasedDir(major);
    const oasdiff = process.env.OASDIFF ?? 'oasdiff';
    // A new value in a response (an event type, an entry type) is additive (docs/api-contract.md):
    // oasdiff-levels.txt makes oasdiff report it as a warning, not an error.
    const rest = runTool(oasdiff, ['breaking', join(baseline, RELEASED_DOCUMENT), DOCUMENT, '--fail-on', 'ERR', '--format', 'text',
      '--severity-levels', join(ROOT, 'scripts', 'api-contract', 'oasdiff-levels.txt')]);
    if (rest.status !== 0) {
      failures.push(`the REST API breaks version ${major} (oasdiff):\n${rest.output}\n` +
        `Keep the change compatible, or bump info.version to ${major + 1}.0.0 and move the baseline to api/released/v${major + 1} in the same commit.`);
    }
    const grpc = runTool(BUF, ['breaking', join(PROTO, 'src'), '--against', join(baseline, RELEASED_PROTO_IMAGE)]);
    if (grpc.status !== 0) {
      failures.push(`the protos break version ${major} (buf breaking):\n${grpc.output}\n` +
        `Keep the change compatible, or bump the major version and move the baseline to api/released/v${major + 1} in the same commit.`);
    }
    failures.push(...baselineEdits(ROOT));
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}

if (failures.length > 0) {
  for (const failure of failures) print(`api contract: ${failure}`);
  process.exit(1);
}
print('api contract: document, SDK and Go client up to date; no breaking change against the released version');
