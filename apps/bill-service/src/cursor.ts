import { Code, ConnectError } from '@connectrpc/connect';

/** Opaque list cursors: the keyset position, base64url-encoded so callers do not build them. */
export function encodeCursor(position: string): string {
  return Buffer.from(`v1:${position}`).toString('base64url');
}

export function decodeCursor(cursor: string): string | undefined {
  if (cursor === '') return undefined;
  const text = Buffer.from(cursor, 'base64url').toString();
  if (!text.startsWith('v1:')) throw new ConnectError('cursor: not a cursor this API issued', Code.InvalidArgument);
  return text.slice(3);
}

export function pageLimit(limit: number): number {
  if (limit === 0) return 50;
  if (limit < 1 || limit > 200) throw new ConnectError('limit: must be between 1 and 200', Code.InvalidArgument);
  return limit;
}
