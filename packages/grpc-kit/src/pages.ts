// The one page convention of every list the platform serves, over gRPC and REST alike (see
// docs/api.md, "Lists"): a request has `limit` (1–200; 0 or absent means 50) and `cursor` (empty
// or absent for the first page); an answer has `next_cursor`, set when another page follows and
// absent on the last page (REST: `nextCursor` null). A cursor is opaque to callers: it is the
// base64url of a JSON array naming the list it belongs to and the last row's keyset position, so
// a cursor of another list, an edited one or a made-up one is refused as `invalid_argument`
// naming `cursor`.
import { Code, ConnectError } from '@connectrpc/connect';

export const DEFAULT_PAGE_LIMIT = 50;
export const MAX_PAGE_LIMIT = 200;
/** The longest cursor the API issues or accepts; the REST schemas carry the same bound. */
export const MAX_CURSOR_LENGTH = 512;

const BASE64URL = /^[A-Za-z0-9_-]+$/;
/** Bumped if the format changes, so an old cursor is refused rather than misread. */
const VERSION = 'p1';

/** The page size a request asks for: 0 (proto's unset) or undefined is the default. */
export function pageLimit(requested: number | undefined): number {
  if (requested === undefined || requested === 0) return DEFAULT_PAGE_LIMIT;
  if (!Number.isInteger(requested) || requested < 1 || requested > MAX_PAGE_LIMIT) {
    throw new ConnectError(`limit: must be between 1 and ${MAX_PAGE_LIMIT}`, Code.InvalidArgument);
  }
  return requested;
}

export function badCursor(): ConnectError {
  return new ConnectError('cursor: not a cursor this API issued for this list', Code.InvalidArgument);
}

/** The cursor of a page that ends at `position` in the list `list`. */
export function encodeCursor(list: string, position: readonly string[]): string {
  return Buffer.from(JSON.stringify([VERSION, list, ...position])).toString('base64url');
}

/**
 * The keyset position a cursor of `list` carries, read by `parse` (which returns undefined for
 * a position that list never issues); undefined for an empty or absent cursor (the first page).
 * Anything else is `invalid_argument` naming `cursor`.
 */
export function decodeCursor<T>(list: string, cursor: string | undefined, parse: (position: string[]) => T | undefined): T | undefined {
  if (cursor === undefined || cursor === '') return undefined;
  if (cursor.length > MAX_CURSOR_LENGTH || !BASE64URL.test(cursor)) throw badCursor();
  let parts: unknown;
  try {
    parts = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw badCursor();
  }
  if (!Array.isArray(parts) || parts[0] !== VERSION || parts[1] !== list || !parts.every((part) => typeof part === 'string')) {
    throw badCursor();
  }
  const position = parse(parts.slice(2) as string[]);
  if (position === undefined) throw badCursor();
  return position;
}

/**
 * A page of rows fetched with `limit + 1` (one more than asked, to learn whether another page
 * follows): the first `limit` rows, and the cursor after the last of them when more follow.
 */
export function pageOf<Row>(
  list: string,
  rows: readonly Row[],
  limit: number,
  positionOf: (last: Row) => readonly string[],
): { rows: Row[]; nextCursor: string | undefined } {
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  return { rows: page, nextCursor: rows.length > limit && last !== undefined ? encodeCursor(list, positionOf(last)) : undefined };
}

/**
 * The reader of a (created_at, id) keyset position, as @billing/db's `keysetAfter` takes it:
 * `[micros, id]`, the id matching `idPattern` when given.
 */
export function keysetPosition(idPattern?: RegExp): (position: string[]) => { micros: string; id: string } | undefined {
  return (position) => {
    if (position.length !== 2) return undefined;
    const micros = positionParts.micros(position[0]);
    const id = positionParts.id(position[1]);
    if (micros === undefined || id === undefined || (idPattern !== undefined && !idPattern.test(id))) return undefined;
    return { micros, id };
  };
}

/**
 * The position of a list ordered by a number that starts at 1 (a line item's sequence, a
 * collection's cycle): one counter, as a safe integer; undefined for anything a list never issues.
 */
export function countPosition([text, ...rest]: string[]): number | undefined {
  const counter = rest.length === 0 ? positionParts.counter(text) : undefined;
  const value = counter === undefined ? undefined : Number(counter);
  return value !== undefined && Number.isSafeInteger(value) && value >= 1 ? value : undefined;
}

/** Readers of common position parts; each returns undefined for text a list never issues. */
export const positionParts = {
  /** A non-negative whole number of at most 19 digits (a bigint column or a sequence). */
  counter(text: string | undefined): string | undefined {
    return text !== undefined && /^(0|[1-9][0-9]{0,18})$/.test(text) ? text : undefined;
  },
  /** A creation time in microseconds since the epoch, as @billing/db's keyset positions write it. */
  micros(text: string | undefined): string | undefined {
    return text !== undefined && /^-?(0|[1-9][0-9]{0,18})$/.test(text) ? text : undefined;
  },
  /** A row id: printable ASCII without spaces, at most 128 characters. */
  id(text: string | undefined): string | undefined {
    return text !== undefined && /^[\x21-\x7e]{1,128}$/.test(text) ? text : undefined;
  },
};
