import { Code, ConnectError } from '@connectrpc/connect';
import { describe, expect, it } from 'vitest';
import { decodeCursor, encodeCursor, keysetPosition, pageLimit, pageOf, positionParts } from './pages.ts';

function refusal(run: () => unknown): ConnectError {
  try {
    run();
  } catch (error) {
    if (error instanceof ConnectError) return error;
    throw error;
  }
  throw new Error('expected a refusal');
}

const counter = ([value, ...rest]: string[]) => (rest.length === 0 ? positionParts.counter(value) : undefined);

describe('page limits', () => {
  it('reads 0 or nothing as 50 and takes 1–200', () => {
    expect(pageLimit(0)).toBe(50);
    expect(pageLimit(undefined)).toBe(50);
    expect(pageLimit(1)).toBe(1);
    expect(pageLimit(200)).toBe(200);
  });

  it('refuses anything else as invalid_argument naming limit', () => {
    for (const limit of [-1, 201, 1.5, Number.NaN]) {
      const error = refusal(() => pageLimit(limit));
      expect(error.code).toBe(Code.InvalidArgument);
      expect(error.rawMessage).toMatch(/^limit: must be between 1 and 200/);
    }
  });
});

describe('cursors', () => {
  it('give back the position they were made with, for their own list only', () => {
    const cursor = encodeCursor('events', ['42']);
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeCursor('events', cursor, counter)).toBe('42');
    expect(decodeCursor('events', '', counter)).toBeUndefined();
    expect(decodeCursor('events', undefined, counter)).toBeUndefined();
    expect(refusal(() => decodeCursor('entries', cursor, counter)).rawMessage).toMatch(/^cursor: /);
  });

  it('refuse what this API never issues as invalid_argument naming cursor', () => {
    const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const forged = [
      'garbage', 'bm90LWEtY3Vyc29y', 'a+b/c=', 'x'.repeat(513), encode(['p0', 'events', '1']), encode(['p1', 'events', 1]),
      encode(['p1', 'events', '01']), encode(['p1', 'events', '1', '2']), encode({ list: 'events' }), encode('p1'),
      Buffer.from('["p1","events","1"').toString('base64url'),
    ];
    for (const cursor of forged) {
      const error = refusal(() => decodeCursor('events', cursor, counter));
      expect(error.code, cursor).toBe(Code.InvalidArgument);
      expect(error.rawMessage, cursor).toMatch(/^cursor: /);
    }
  });

  it('read a (created_at, id) keyset position and refuse a malformed one', () => {
    const read = keysetPosition(/^we_[0-9a-f]{4}$/);
    expect(read(['1733500000123456', 'we_00ff'])).toEqual({ micros: '1733500000123456', id: 'we_00ff' });
    expect(read(['-5', 'we_00ff'])).toEqual({ micros: '-5', id: 'we_00ff' });
    expect(read(['1.5', 'we_00ff'])).toBeUndefined();
    expect(read(['1', 'wd_00ff'])).toBeUndefined();
    expect(read(['1'])).toBeUndefined();
    expect(keysetPosition()(['1', 'has space'])).toBeUndefined();
  });
});

describe('pageOf', () => {
  const rows = [{ n: 1 }, { n: 2 }, { n: 3 }];
  it('answers the first `limit` rows and a cursor after the last of them when one more was fetched', () => {
    const page = pageOf('things', rows, 2, (last) => [String(last.n)]);
    expect(page.rows).toEqual([{ n: 1 }, { n: 2 }]);
    expect(decodeCursor('things', page.nextCursor, counter)).toBe('2');
  });

  it('answers no cursor on the last page', () => {
    expect(pageOf('things', rows, 3, (last) => [String(last.n)]).nextCursor).toBeUndefined();
    expect(pageOf('things', [], 3, () => []).nextCursor).toBeUndefined();
  });
});
