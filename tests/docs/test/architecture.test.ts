import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readGatewayEnv } from '@billing/gateway';
import { loadEnv as billServiceEnv } from '@billing/bill-service';
import { RATE_PROVIDERS, readRatesEnv } from '@billing/rates-service';
import * as workflows from '@billing/worker/workflows';
import { codeSpans, readDoc, repoRoot, tableRows } from './markdown.ts';

// The README's architecture picture and packages table, and docs/architecture.md, against what
// the code hosts: the gRPC services each app serves, the workflow types the worker runs, the
// default ports, the rate providers, and the folders of the workspace.

const REQUIRED = { DATABASE_URL: 'postgres://docs@127.0.0.1:5432/docs', BILLING_SERVICE_TOKEN: 'x'.repeat(32) };

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === 'gen' ? [] : sourceFiles(path);
    return name.endsWith('.ts') && !name.endsWith('.test.ts') ? [path] : [];
  });
}

/** The gRPC services an app serves: each `serve(XService, ...)` in its sources. */
function servedBy(app: string): string[] {
  const text = sourceFiles(join(repoRoot, 'apps', app, 'src')).map((file) => readFileSync(file, 'utf8')).join('\n');
  return [...new Set([...text.matchAll(/\bserve\((\w+Service)\b/g)].map((match) => match[1] as string))].sort();
}

const readme = readDoc('README.md');
const picture = /## Architecture\s+```\n([\s\S]*?)```/.exec(readme)?.[1] ?? '';

describe('the README architecture picture', () => {
  it('names every gRPC service the services host, and no other', () => {
    const hosted = [...servedBy('bill-service'), ...servedBy('rates-service')].sort();
    expect(hosted.length).toBeGreaterThan(2);
    const named = [...new Set([...picture.matchAll(/\b([A-Z]\w*Service)\b/g)].map((match) => match[1] as string))].sort();
    expect(named).toEqual(hosted);
  });

  it('names every workflow type the worker runs', () => {
    for (const workflow of Object.keys(workflows)) expect(picture, workflow).toContain(workflow);
  });

  it('shows the default ports and the rate providers', () => {
    expect(picture).toContain(`apps/gateway  (Fastify, :${readGatewayEnv(REQUIRED).GATEWAY_PORT})`);
    expect(picture).toContain(`apps/bill-service (:${billServiceEnv(REQUIRED).BILL_SERVICE_PORT})`);
    expect(picture).toContain(`apps/rates-service (:${readRatesEnv(REQUIRED).RATES_SERVICE_PORT})`);
    for (const provider of RATE_PROVIDERS) expect(picture, provider).toContain(provider);
  });
});

describe('the README packages table', () => {
  const rows = tableRows(readme, 'path', '## Architecture');
  const paths = rows.map((row) => codeSpans(row[0] ?? '')[0] as string);

  it('has a row for every workspace package and test suite, and only for folders that exist', () => {
    const folders = ['packages', 'tests'].flatMap((parent) => readdirSync(join(repoRoot, parent))
      .filter((name) => existsSync(join(repoRoot, parent, name, 'package.json'))).map((name) => `${parent}/${name}`));
    expect(folders.filter((folder) => !paths.includes(folder))).toEqual([]);
    expect(paths.filter((path) => !existsSync(join(repoRoot, path.replace(/\/\*$/, '').replace(/\/$/, ''))))).toEqual([]);
  });
});

describe('docs/architecture.md', () => {
  it('says which gRPC services bill-service hosts', () => {
    const bullet = /\*\*bill-service\*\*[\s\S]*?(?=\n- \*\*|\n\n)/.exec(readDoc('docs/architecture.md'))?.[0] ?? '';
    const named = [...new Set([...bullet.matchAll(/`(\w+Service)`/g)].map((match) => match[1] as string))].sort();
    expect(named).toEqual(servedBy('bill-service'));
  });
});
