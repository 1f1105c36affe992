import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { baselineEdits, majorVersionOf } from '../../../scripts/api-contract/contract.ts';

// The release rule of the API contract check (docs/api-contract.md): a released baseline is only
// ever created, never edited, so a breaking change cannot pass by rewriting it. Checked on a
// scratch git repository with the histories that rule allows and refuses.

let repo = '';
afterEach(() => {
  if (repo !== '') rmSync(repo, { recursive: true, force: true });
  repo = '';
});

function git(...args: string[]) {
  execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', '-c', 'commit.gpgsign=false', ...args], { cwd: repo, stdio: 'pipe' });
}

function write(path: string, text: string) {
  mkdirSync(join(repo, path, '..'), { recursive: true });
  writeFileSync(join(repo, path), text);
}

function commit(message: string) {
  git('add', '-A');
  git('commit', '-q', '-m', message);
}

function history() {
  repo = mkdtempSync(join(tmpdir(), 'api-release-'));
  git('init', '-q');
  write('api/openapi.json', '{"info":{"version":"1.0.0"}}');
  write('api/released/v1/openapi.json', '{"info":{"version":"1.0.0"}}');
  commit('release 1');
  write('README.md', 'unrelated');
  commit('unrelated');
}

describe('the released baseline', () => {
  it('passes a history that only creates baselines and removes superseded ones', () => {
    history();
    write('api/released/v2/openapi.json', '{"info":{"version":"2.0.0"}}');
    rmSync(join(repo, 'api/released/v1'), { recursive: true });
    commit('release 2');
    expect(baselineEdits(repo)).toEqual([]);
  });

  it('fails a commit that edits a baseline released before it', () => {
    history();
    write('api/released/v1/openapi.json', '{"info":{"version":"1.0.0"},"paths":{}}');
    commit('loosen the baseline');
    expect(baselineEdits(repo)).toEqual([expect.stringMatching(/^commit [0-9a-f]{12} changed api\/released\/v1\/openapi.json, a baseline released before it/)]);
  });

  it('fails an uncommitted edit of a released baseline, and a file added to it', () => {
    history();
    write('api/released/v1/openapi.json', '{}');
    write('api/released/v1/proto.binpb', 'x');
    expect(baselineEdits(repo)).toEqual([
      expect.stringContaining('api/released/v1 is released; it is not changed (M api/released/v1/openapi.json)'),
      expect.stringContaining('api/released/v1 is released; it is not changed (?? api/released/v1/proto.binpb)'),
    ]);
  });
});

describe('the major version', () => {
  it('is the first number of info.version', () => {
    expect(majorVersionOf('{"info":{"version":"12.3.4"}}')).toBe(12);
    expect(() => majorVersionOf('{"info":{"version":"v1"}}')).toThrow(/not a semantic version/);
  });
});
