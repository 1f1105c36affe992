import { describe, expect, it } from 'vitest';
import { newRequestId, requestIdFrom } from './request-id.ts';

describe('request ids', () => {
  it('makes fresh ids as req_ and 32 hex digits, never the same twice', () => {
    const ids = new Set(Array.from({ length: 100 }, () => newRequestId()));
    expect(ids.size).toBe(100);
    for (const id of ids) expect(id).toMatch(/^req_[0-9a-f]{32}$/);
  });

  it.each(['req_from_gateway', 'client-trace:42', 'a.b_c-d', 'x'.repeat(128)])('adopts the caller\'s id %s', (incoming) => {
    expect(requestIdFrom(incoming)).toBe(incoming);
  });

  it.each([
    ['missing', undefined],
    ['empty', ''],
    ['too long', 'x'.repeat(129)],
    ['with spaces', 'a b'],
    ['with a line break', 'a\nlevel=fatal'],
    ['with markup', '<script>'],
    ['non-ASCII', 'идентификатор'],
    ['repeated as a list', ['a', 'b']],
  ])('replaces an id that is %s with a fresh one', (_case, incoming) => {
    expect(requestIdFrom(incoming)).toMatch(/^req_[0-9a-f]{32}$/);
  });
});
