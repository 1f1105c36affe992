import { EnvError, readEnv } from '@billing/runtime';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { loadEnv as billServiceEnv } from '@billing/bill-service';
import { readGatewayEnv } from '@billing/gateway';
import { readRatesEnv } from '@billing/rates-service';
import { readWorkerEnv } from '@billing/worker/env';
import { loadStartEnv } from '../../../packages/devstack/src/env.ts';
import { telemetryVariables } from '../../../packages/runtime/src/telemetry/variables.ts';
import { codeSpans, readDoc, tableRows, variableNames, type Row } from './markdown.ts';

// Every variables table against the env module it describes: the README's table (which app reads
// what), each app's own table, and every default and bound they state, read by the app's real env
// reader. A variable added, removed or changed in code without its docs (or the other way) fails.

type Source = Record<string, string | undefined>;
type Reader = (source: Source) => Record<string, unknown>;

/** What every app requires; each test adds the variable it is about. */
const REQUIRED: Source = { DATABASE_URL: 'postgres://docs@127.0.0.1:5432/docs', BILLING_SERVICE_TOKEN: 'x'.repeat(32) };

/** `npm start` reads process.env itself, so its reader sets the variables for the call. */
function startEnv(source: Source): Record<string, unknown> {
  vi.unstubAllEnvs();
  for (const name of Object.keys(loadStartEnvNames())) vi.stubEnv(name, undefined);
  for (const [name, value] of Object.entries(source)) if (value !== undefined) vi.stubEnv(name, value);
  return loadStartEnv();
}

function loadStartEnvNames(): Record<string, unknown> {
  return loadStartEnv();
}

afterEach(() => {
  vi.unstubAllEnvs();
});

const APPS: Record<string, { read: Reader; readme: string; table: string }> = {
  gateway: { read: readGatewayEnv, readme: 'apps/gateway/README.md', table: 'variable' },
  'bill-service': { read: billServiceEnv, readme: 'apps/bill-service/README.md', table: 'variable' },
  'rates-service': { read: readRatesEnv, readme: 'apps/rates-service/README.md', table: 'variable' },
  worker: { read: readWorkerEnv, readme: 'apps/worker/README.md', table: 'variable' },
};
const READERS: Record<string, Reader> = { ...Object.fromEntries(Object.entries(APPS).map(([app, { read }]) => [app, read])), 'npm start': startEnv };

/** The variables a reader reads: its upper-case keys (an app may add settings derived from them, as `temporalConnection`). */
function namesRead(read: Reader): string[] {
  return Object.keys(read(REQUIRED)).filter((name) => /^[A-Z][A-Z0-9_]*$/.test(name)).sort();
}

/** What a doc leaves out and what it lists that the code does not read. */
function drift(documented: string[], read: string[]) {
  return { undocumented: read.filter((name) => !documented.includes(name)), notRead: documented.filter((name) => !read.includes(name)) };
}

/** `` `10s` (100ms–1m) `` → the default and its bounds; a cell not starting with a value states none. */
interface Stated {
  value?: string;
  min?: string;
  max?: string;
}

function stated(cell: string): Stated {
  const text = cell.trim();
  const value = /^`([^`]+)`/.exec(text)?.[1];
  const bounds = /\((?:each )?(\d+[a-z]*)–(\d+[a-z]*)\)/.exec(text);
  return { value, min: bounds?.[1], max: bounds?.[2] };
}

/** Each variable of a row with what the row states for it (`A` / `B` with `1` / `2`). */
function perVariable(namesCell: string, defaultCell: string): Array<[string, Stated]> {
  const names = variableNames(namesCell);
  const parts = defaultCell.split(' / ');
  return names.map((name, index) => [name, stated(names.length === parts.length ? (parts[index] as string) : defaultCell)]);
}

const DURATION_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** The values just outside a bound: one millisecond (a duration) or one (a number) beyond it. */
function beyond(bound: string, direction: -1 | 1): string | undefined {
  const duration = /^(\d+)(ms|s|m|h|d)$/.exec(bound);
  const base = duration ? Number(duration[1]) * (DURATION_MS[duration[2] as string] as number) : Number(bound);
  const next = base + direction;
  if (next < 0) return undefined;
  return duration ? `${next}ms` : String(next);
}

function refuses(read: Reader, name: string, raw: string): boolean {
  try {
    read({ ...REQUIRED, [name]: raw });
    return false;
  } catch (error) {
    if (!(error instanceof EnvError)) throw error;
    return error.problems.some((problem) => problem.includes(name));
  }
}

/** Checks what a doc states for a variable against how `read` reads it. */
function checkStated(read: Reader, name: string, { value, min, max }: Stated, where: string) {
  if (value !== undefined) {
    expect(read({ ...REQUIRED, [name]: value })[name], `${where}: ${name}'s default is \`${value}\``).toEqual(read(REQUIRED)[name]);
  }
  if (min !== undefined && max !== undefined) {
    expect(refuses(read, name, min), `${where}: ${name} accepts its minimum ${min}`).toBe(false);
    expect(refuses(read, name, max), `${where}: ${name} accepts its maximum ${max}`).toBe(false);
    const below = beyond(min, -1);
    if (below !== undefined) expect(refuses(read, name, below), `${where}: ${name} refuses ${below}, below ${min}`).toBe(true);
    expect(refuses(read, name, beyond(max, 1) as string), `${where}: ${name} refuses just above ${max}`).toBe(true);
  }
}

describe('the README configuration table', () => {
  const rows: Row[] = tableRows(readDoc('README.md'), 'variable', '## Configuration');

  /** The readers a row's "used by" names (`all`: the four apps); parenthesised notes do not count. */
  function usersOf(row: Row): string[] {
    const usedBy = (row[1] ?? '').replace(/\([^)]*\)/g, '');
    if (/\ball\b/.test(usedBy)) return Object.keys(APPS);
    return Object.keys(READERS).filter((reader) => new RegExp(`(^|[\\s,;\`])${reader}([\\s,;\`]|$)`).test(usedBy));
  }

  it('lists exactly the variables each app and `npm start` read, with who reads them', () => {
    const drifts = Object.fromEntries(Object.entries(READERS).map(([reader, read]) => {
      const documented = rows.filter((row) => usersOf(row).includes(reader)).flatMap((row) => variableNames(row[0] ?? ''));
      return [reader, drift(documented, namesRead(read))];
    }));
    const none = { undocumented: [], notRead: [] };
    expect(drifts).toEqual(Object.fromEntries(Object.keys(READERS).map((reader) => [reader, none])));
  });

  it('names only variables some program reads', () => {
    const bootstrap = readDoc('scripts/bootstrap.mjs');
    for (const row of rows) {
      if (usersOf(row).length > 0) continue;
      for (const name of variableNames(row[0] ?? '')) expect(bootstrap, `README row ${name}`).toContain(`process.env.${name}`);
    }
  });

  it('states the defaults and bounds the apps apply', () => {
    for (const row of rows) {
      for (const reader of usersOf(row)) {
        const read = READERS[reader] as Reader;
        for (const [name, what] of perVariable(row[0] ?? '', row[2] ?? '')) {
          // A row whose default differs per app says so (`gateway `9464`, bill-service `9465``).
          const perApp = new RegExp(`${reader} \`([^\`]+)\``).exec(row[2] ?? '')?.[1];
          checkStated(read, name, perApp ? { value: perApp } : what, `README (${reader})`);
        }
      }
    }
  });
});

describe.each(Object.entries(APPS))('the %s README variables table', (app, { read, readme, table }) => {
  const rows = tableRows(readDoc(readme), table);

  it('lists exactly the variables the app reads', () => {
    expect(drift(rows.flatMap((row) => variableNames(row[0] ?? '')), namesRead(read))).toEqual({ undocumented: [], notRead: [] });
  });

  it('states the defaults and bounds the app applies', () => {
    for (const row of rows) {
      for (const [name, what] of perVariable(row[0] ?? '', row[1] ?? '')) {
        if (row[1]?.startsWith('required')) {
          expect(refuses(read, name, ''), `${readme}: ${name} is required`).toBe(true);
          continue;
        }
        checkStated(read, name, what, readme);
      }
    }
  });

  it('names each variable once', () => {
    const names = rows.flatMap((row) => variableNames(row[0] ?? ''));
    expect(names.length, `${app}: ${names.join(', ')}`).toBe(new Set(names).size);
    expect(codeSpans(rows.map((row) => row[0]).join(' ')).length).toBeGreaterThan(0);
  });
});

describe('the tracing variables table of docs/operations.md', () => {
  const rows = tableRows(readDoc('docs/operations.md'), 'variable', '### Turning it on');
  const read: Reader = (source) => readEnv(telemetryVariables(), source);

  it('lists exactly the OTEL_* variables every app reads', () => {
    expect(drift(rows.flatMap((row) => variableNames(row[0] ?? '')), namesRead(read))).toEqual({ undocumented: [], notRead: [] });
  });

  it('states the defaults the apps apply', () => {
    for (const row of rows) for (const [name, what] of perVariable(row[0] ?? '', row[1] ?? '')) checkStated(read, name, what, 'docs/operations.md');
  });
});
