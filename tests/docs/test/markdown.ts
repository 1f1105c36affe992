import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

export const repoRoot = resolve(import.meta.dirname, '../../..');

export function readDoc(path: string): string {
  return readFileSync(resolve(repoRoot, path), 'utf8');
}

/** One row of a markdown table, its cells trimmed (`\|` inside a cell is a literal bar). */
export type Row = string[];

/**
 * The rows of the first table whose header row starts with `firstHeader`, after `after` (a
 * heading or any text) when given.
 */
export function tableRows(markdown: string, firstHeader: string, after?: string): Row[] {
  const start = after === undefined ? 0 : markdown.indexOf(after);
  if (start < 0) throw new Error(`no "${after}" in the document`);
  const lines = markdown.slice(start).split('\n');
  const headerAt = lines.findIndex((line) => cells(line)[0] === firstHeader);
  if (headerAt < 0) throw new Error(`no table with a "${firstHeader}" column${after ? ` after "${after}"` : ''}`);
  const rows: Row[] = [];
  for (const line of lines.slice(headerAt + 2)) {
    if (!line.startsWith('|')) break;
    rows.push(cells(line));
  }
  return rows;
}

function cells(line: string): string[] {
  if (!line.startsWith('|')) return [];
  return line.replace(/^\|/, '').replace(/\|\s*$/, '').split(/(?<!\\)\|/).map((cell) => cell.trim().replace(/\\\|/g, '|'));
}

/** The `code spans` of a cell, in order. */
export function codeSpans(cell: string): string[] {
  return [...cell.matchAll(/`([^`]+)`/g)].map((match) => match[1] as string);
}

/** The environment-variable names a cell names in code spans (`DATABASE_URL`). */
export function variableNames(cell: string): string[] {
  return codeSpans(cell).filter((span) => /^[A-Z][A-Z0-9_]+$/.test(span));
}
