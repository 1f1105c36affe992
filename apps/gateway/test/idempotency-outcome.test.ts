import { describe, expect, it } from 'vitest';
import { errorCodeOf, verdictFor } from '../src/idempotency/outcome.ts';

// The rule as a table: status, error code → whether the response is kept for the key.
const TABLE: Array<[number, string | undefined, 'record' | 'release']> = [
  [200, undefined, 'record'],
  [201, undefined, 'record'],
  [202, undefined, 'record'],
  [404, 'not_found', 'record'],
  [409, 'already_exists', 'record'],
  [409, 'failed_precondition', 'record'],
  [400, 'invalid_argument', 'release'],
  [401, 'unauthenticated', 'release'],
  [403, 'permission_denied', 'release'],
  [409, 'aborted', 'release'],
  [429, 'resource_exhausted', 'release'],
  [499, 'canceled', 'release'],
  [500, 'internal', 'release'],
  [500, 'unknown', 'release'],
  [501, 'unimplemented', 'release'],
  [503, 'unavailable', 'release'],
  [504, 'deadline_exceeded', 'release'],
  [409, undefined, 'release'],
  [404, undefined, 'release'],
];

describe('verdictFor', () => {
  it.each(TABLE)('HTTP %i with code %s → %s', (status, code, verdict) => {
    expect(verdictFor(status, code)).toBe(verdict);
  });
});

describe('errorCodeOf', () => {
  it('reads the code of an error body and nothing else', () => {
    expect(errorCodeOf('{"code":"not_found","message":"no bill","details":[]}')).toBe('not_found');
    expect(errorCodeOf('{"code":7}')).toBeUndefined();
    expect(errorCodeOf('not json')).toBeUndefined();
    expect(errorCodeOf('null')).toBeUndefined();
  });
});
