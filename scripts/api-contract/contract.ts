// The API contract's files and tools, shared by generate.ts (writes them) and check.ts (checks them).
// docs/api-contract.md says what each is for and how a release moves the baseline.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '../..');
/** The gateway's OpenAPI document, as exported (committed). */
export const DOCUMENT = join(ROOT, 'api', 'openapi.json');
/** The SDK's generated code (committed). */
export const SDK_GEN = join(ROOT, 'packages', 'sdk', 'src', 'gen');
/** The Go client's generated code (committed). */
export const GO_GEN = join(ROOT, 'clients', 'go', 'gen');
export const GO_TEMPLATE = join(ROOT, 'clients', 'go', 'buf.gen.yaml');
/** The buf workspace; its `src` module holds our own protos (`vendor` the upstream gRPC ones, never changed here). */
export const PROTO = join(ROOT, 'proto');
/** One folder per released major version, `v1`, holding that release's document and proto image. */
export const RELEASED = join(ROOT, 'api', 'released');
export const RELEASED_DOCUMENT = 'openapi.json';
export const RELEASED_PROTO_IMAGE = 'proto.binpb';

/** The major version the document states (`info.version` 1.0.0 → 1). */
export function majorVersionOf(documentText: string): number {
  const version = (JSON.parse(documentText) as { info?: { version?: string } }).info?.version ?? '';
  const major = /^(\d+)\./.exec(version)?.[1];
  if (major === undefined) throw new Error(`info.version ${JSON.stringify(version)} is not a semantic version`);
  return Number(major);
}

/** The released baselines present: `v1` → 1. */
export function releasedVersions(): number[] {
  if (!existsSync(RELEASED)) return [];
  return readdirSync(RELEASED).flatMap((name) => (/^v\d+$/.test(name) ? [Number(name.slice(1))] : []));
}

export const releasedDir = (major: number) => join(RELEASED, `v${major}`);
export const readDocument = () => readFileSync(DOCUMENT, 'utf8');

export interface Ran {
  status: number;
  output: string;
}

export function runTool(command: string, args: string[], options: { cwd?: string } = {}): Ran {
  const result = spawnSync(command, args, { cwd: options.cwd ?? ROOT, encoding: 'utf8', env: process.env });
  if (result.error) throw new Error(`${command}: ${result.error.message}`);
  return { status: result.status ?? 1, output: `${result.stdout}${result.stderr}`.trim() };
}

/** buf from the workspace's node_modules (pinned in the catalog). */
export const BUF = join(ROOT, 'node_modules', '.bin', 'buf');

/**
 * A baseline is written once, by the commit that creates its version's folder: a commit (or an
 * uncommitted change) that alters a file of a folder its parent already had edits a released
 * contract, which would let a breaking change pass. Deleting a superseded folder is how a release
 * moves the baseline. Outside a git checkout (an exported tree) only the folder rule holds.
 */
export function baselineEdits(root: string): string[] {
  const git = (args: string[]) => spawnSync('git', args, { cwd: root, encoding: 'utf8' });
  if (git(['rev-parse', '--is-inside-work-tree']).status !== 0) return [];
  const released = 'api/released';
  const problems: string[] = [];
  const folderOf = (path: string) => /^api\/released\/(v\d+)\//.exec(path)?.[1];
  const existedIn = (commit: string, folder: string) => git(['cat-file', '-e', `${commit}:${released}/${folder}`]).status === 0;
  const uncommitted = git(['status', '--porcelain', '--untracked-files=all', '--', released]).stdout.split('\n').filter((line) => line.trim() !== '');
  for (const line of uncommitted) {
    const folder = folderOf(line.slice(3));
    if (folder !== undefined && !line.startsWith(' D') && existedIn('HEAD', folder)) {
      problems.push(`${released}/${folder} is released; it is not changed (${line.trim()})`);
    }
  }
  const commits = git(['log', '--format=%H', '--', released]).stdout.split('\n').filter((line) => line !== '');
  for (const commit of commits) {
    const hasParent = git(['rev-parse', '--verify', '--quiet', `${commit}^`]).status === 0;
    if (!hasParent) continue;
    const changed = git(['diff-tree', '--no-commit-id', '--name-status', '-r', commit, '--', released]).stdout.split('\n').filter((line) => line !== '');
    for (const entry of changed) {
      const [status, path = ''] = entry.split('\t');
      const folder = folderOf(path);
      if (folder === undefined || status === 'D' || !existedIn(`${commit}^`, folder)) continue;
      problems.push(`commit ${commit.slice(0, 12)} changed ${path}, a baseline released before it: a released contract never changes`);
    }
  }
  return problems;
}
