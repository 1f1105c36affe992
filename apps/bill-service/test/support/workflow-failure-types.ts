// The ApplicationFailure types the worker's workflow files throw, read from their source: the
// types their package names (`BILL_FAILURE_TYPES`, `MANDATE_FAILURE_TYPES`) and any literal type
// written in the workflow code, so a type added in either place without a Connect code fails the
// mapper's test.
import { readFile, readdir } from 'node:fs/promises';

const WORKFLOWS = new URL('../../../worker/src/workflows/', import.meta.url);

/**
 * Every failure type thrown by the workflow files whose names start with `prefix` (`bill`,
 * `mandate`), plus all of `table`'s. `tableName` is the only failure table those files may use.
 */
export async function failureTypesThrown(prefix: string, tableName: string, table: Readonly<Record<string, string>>) {
  const names = (await readdir(WORKFLOWS)).filter((name) => name.startsWith(prefix) && name.endsWith('.ts') && !name.endsWith('.test.ts'));
  const sources = await Promise.all(names.map((name) => readFile(new URL(name, WORKFLOWS), 'utf8')));
  const types = new Set<string>(Object.values(table));
  const otherTables = new Set<string>();
  for (const source of sources) {
    for (const [, type] of source.matchAll(/\btype:\s*'(\w+)'/g)) types.add(type as string);
    for (const [, type] of source.matchAll(/ApplicationFailure\.(?:nonRetryable|retryable)\([^;]*?,\s*'(\w+)'\s*\)/g)) types.add(type as string);
    for (const [, used] of source.matchAll(/\b(\w+_FAILURE_TYPES)\./g)) if (used !== tableName) otherTables.add(used as string);
  }
  return { files: names, types: [...types], otherTables: [...otherTables] };
}
